using System.Data.Common;
using System.Globalization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Rankings;

/// <summary>
/// A published revision: its header and its rows in board order, each with its canonical text and leaf hash; with the
/// 红黑榜 turned on by the community's policy, also the month's <see cref="Deductions"/>, read live from the monthly
/// aggregates (not part of the snapshot or its hash; null when the 红黑榜 is off).
/// </summary>
public sealed record RankingRevisionView(long CommunityId, string CommunityName, string Month, int Revision, int LatestRevision, string RankedBy,
    string SnapshotHash, long ChainHeadSeq, string ChainHeadHash, string PublishedBy, DateTime PublishedAt, IReadOnlyList<PublishedRow> Rows,
    IReadOnlyList<DeductionRow>? Deductions = null)
    : ICsvReport
{
    public CsvTable ToCsv() => new($"ranking-{Month}-r{Revision}.csv",
        ["名次", "门牌号", "姓名", "网格", "本月积分", "志愿服务（分钟）", "叶子哈希", "规范行"],
        [.. Rows.Select(r => (IReadOnlyList<string>)[CsvFiles.Number(r.Rank), r.HouseholdCode, r.MaskedName, r.GridId?.ToString(CultureInfo.InvariantCulture) ?? "",
            CsvFiles.Number(r.Points), CsvFiles.Number(r.VolunteerMinutes), r.LeafHash, r.Canonical.Replace('\t', '|')]),
         ["", "", "", "", "", "", SnapshotHash, $"第 {Revision} 版 · 链头 seq {ChainHeadSeq} {ChainHeadHash}"]]);
}

/// <summary>
/// A published revision of a month's board (<paramref name="Revision"/>; null = the latest). Public: the board is
/// posted in the village square anyway, names are masked and nothing personal is in it.
/// </summary>
[PublicAccess]
public sealed record GetRankingRevision(long CommunityId, string Month, int? Revision = null)
    : IRequest<Outcome<RankingRevisionView>>, IValidated, IQuery, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => RankingData.CheckMonth(Month);
}

sealed class GetRankingRevisionHandler(DbDataSource db) : IRequestHandler<GetRankingRevision, Outcome<RankingRevisionView>>
{
    public async Task<Outcome<RankingRevisionView>> Handle(GetRankingRevision request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await RankingData.CommunityAsync(connection, null, request.CommunityId, ct) is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (await RankingData.RevisionAsync(connection, null, community.Id, request.Month, request.Revision, ct) is not { } header)
        {
            return PublishedRankings.NotFound(request.Month, request.Revision);
        }
        var latest = (await RankingData.RevisionAsync(connection, null, community.Id, request.Month, null, ct))!.Revision;
        var rows = await RankingData.RowsAsync(connection, null, header, ct);
        var deductions = await RankingData.DeductionsAsync(connection, null, community, header.Month, header.RankedBy, null, ct);
        return new RankingRevisionView(community.Id, community.Name, header.Month, header.Revision, latest, header.RankedBy, header.SnapshotHash,
            header.ChainHeadSeq, header.ChainHeadHash, header.PublishedBy, header.PublishedAt, rows, deductions);
    }
}

/// <summary>A revision's header, as listed.</summary>
public sealed record RankingRevisionSummary(string Month, int Revision, string RankedBy, int Rows, string SnapshotHash, long ChainHeadSeq,
    string ChainHeadHash, string PublishedBy, DateTime PublishedAt);

/// <summary>Every published revision of the community (of one month when asked), newest month and revision first. Public.</summary>
[PublicAccess]
public sealed record ListRankingRevisions(long CommunityId, string? Month = null)
    : IRequest<Outcome<IReadOnlyList<RankingRevisionSummary>>>, IValidated, IQuery, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Month is null ? [] : RankingData.CheckMonth(Month);
}

sealed class ListRankingRevisionsHandler(DbDataSource db) : IRequestHandler<ListRankingRevisions, Outcome<IReadOnlyList<RankingRevisionSummary>>>
{
    public async Task<Outcome<IReadOnlyList<RankingRevisionSummary>>> Handle(ListRankingRevisions request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await RankingData.CommunityAsync(connection, null, request.CommunityId, ct) is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var headers = await RankingData.RevisionsAsync(connection, request.CommunityId, request.Month, ct);
        return headers.Select(PublishedRankings.Summary).ToList();
    }
}

/// <summary>
/// The inclusion proof of one row: the row's canonical text, its leaf index, the tree size, the sibling hashes from the
/// leaf up (RFC 6962 audit path) and the root they lead to — checkable by the steps of docs/rankings.md with any SHA-256 tool.
/// </summary>
public sealed record RankingProof(string Month, int Revision, int Rank, string HouseholdCode, string MaskedName, long Points, long VolunteerMinutes,
    string Canonical, string LeafHash, int LeafIndex, int TreeSize, IReadOnlyList<string> Path, string SnapshotHash, bool Checks);

/// <summary>The proofs of an account's rows in one published revision (one row, or one per member when the board ranks residents). Public.</summary>
[PublicAccess]
public sealed record GetRankingProof(long CommunityId, string Month, int Revision, long AccountId)
    : IRequest<Outcome<IReadOnlyList<RankingProof>>>, IValidated, IQuery, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => RankingData.CheckMonth(Month);
}

sealed class GetRankingProofHandler(DbDataSource db) : IRequestHandler<GetRankingProof, Outcome<IReadOnlyList<RankingProof>>>
{
    public async Task<Outcome<IReadOnlyList<RankingProof>>> Handle(GetRankingProof request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await RankingData.RevisionAsync(connection, null, request.CommunityId, request.Month, request.Revision, ct) is not { } header)
        {
            return PublishedRankings.NotFound(request.Month, request.Revision);
        }
        var rows = await RankingData.RowsAsync(connection, null, header, ct);
        var proofs = PublishedRankings.Proofs(header, rows, request.AccountId);
        return proofs.Count == 0
            ? new Failure("ranking_row_not_found", $"account {request.AccountId} has no row in revision {header.Revision} of {header.Month}")
            : new Outcome<IReadOnlyList<RankingProof>>(proofs, null);
    }
}

/// <summary>One published revision an account appears in, with its row(s) and proofs: what the card's proof page lists.</summary>
public sealed record AccountRankingProofs(string Month, int Revision, int LatestRevision, DateTime PublishedAt, IReadOnlyList<RankingProof> Proofs);

/// <summary>Every published revision the account has a row in, newest first, with each row's inclusion proof: the card holder's own, or the committee.</summary>
[Allow(Role.Committee, Role.Admin)]
[CardHolder]
public sealed record GetAccountRankingProofs(long CommunityId, long AccountId)
    : IRequest<Outcome<IReadOnlyList<AccountRankingProofs>>>, IQuery, IAccountScoped;

sealed class GetAccountRankingProofsHandler(DbDataSource db) : IRequestHandler<GetAccountRankingProofs, Outcome<IReadOnlyList<AccountRankingProofs>>>
{
    public async Task<Outcome<IReadOnlyList<AccountRankingProofs>>> Handle(GetAccountRankingProofs request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var headers = await RankingData.RevisionsOfAccountAsync(connection, request.CommunityId, request.AccountId, ct);
        var latest = headers.GroupBy(h => h.Month).ToDictionary(g => g.Key, g => g.Max(h => h.Revision));
        var result = new List<AccountRankingProofs>();
        foreach (var header in headers)
        {
            var rows = await RankingData.RowsAsync(connection, null, header, ct);
            result.Add(new AccountRankingProofs(header.Month, header.Revision, latest[header.Month], header.PublishedAt,
                PublishedRankings.Proofs(header, rows, request.AccountId)));
        }
        return result;
    }
}

internal static class PublishedRankings
{
    public static Failure NotFound(string month, int? revision) =>
        new("ranking_revision_not_found", revision is { } n ? $"revision {n} of {month} has not been published" : $"{month} has not been published");

    public static RankingRevisionSummary Summary(SnapshotHeader h) =>
        new(h.Month, h.Revision, h.RankedBy, h.RowCount, h.SnapshotHash, h.ChainHeadSeq, h.ChainHeadHash, h.PublishedBy, h.PublishedAt);

    public static IReadOnlyList<RankingProof> Proofs(SnapshotHeader header, IReadOnlyList<PublishedRow> rows, long accountId)
    {
        var leaves = rows.Select(r => Convert.FromHexString(r.LeafHash)).ToList();
        var root = Convert.FromHexString(header.SnapshotHash);
        return [.. rows.Where(r => r.AccountId == accountId).Select(r =>
        {
            var path = MerkleTree.Path(leaves, r.Position);
            return new RankingProof(header.Month, header.Revision, r.Rank, r.HouseholdCode, r.MaskedName, r.Points, r.VolunteerMinutes, r.Canonical,
                r.LeafHash, r.Position, rows.Count, [.. path.Select(Convert.ToHexStringLower)], header.SnapshotHash,
                MerkleTree.Verify(leaves[r.Position], r.Position, rows.Count, path, root));
        })];
    }
}
