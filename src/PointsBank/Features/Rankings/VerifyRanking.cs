using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Rankings;

/// <summary>
/// What checking a published revision found. <see cref="Matches"/> only when all three hold: the stored rows still hash
/// to the stored root (<see cref="RootMatches"/>: nobody changed a row or the root), the recorded chain head is the
/// journal's (<see cref="ChainHeadMatches"/>), and the journal up to that head gives the same board
/// (<see cref="RowsMatch"/>: subjects, accounts, ranks, points and minutes in the same order). <see cref="RecomputedHash"/>
/// is the root of the board recomputed from the journal, labelled with the published door-plate codes, masked names
/// and grids (roster facts, not ledger facts: a later rename is not a correction); it equals
/// <see cref="SnapshotHash"/> exactly when everything matches.
/// </summary>
public sealed record RankingVerification(long CommunityId, string Month, int Revision, bool Matches, string SnapshotHash, string RecomputedHash,
    string StoredRowsHash, bool RootMatches, long ChainHeadSeq, string ChainHeadHash, bool ChainHeadMatches, bool RowsMatch,
    IReadOnlyList<string> Differences);

/// <summary>Recomputes a published revision from the ledger up to its recorded chain head and says whether it matches. Any staff.</summary>
[AnyStaff]
public sealed record VerifyRankingRevision(long CommunityId, string Month, int Revision)
    : IRequest<Outcome<RankingVerification>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => RankingData.CheckMonth(Month);
}

sealed class VerifyRankingRevisionHandler(DbDataSource db) : IRequestHandler<VerifyRankingRevision, Outcome<RankingVerification>>
{
    public async Task<Outcome<RankingVerification>> Handle(VerifyRankingRevision request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await RankingData.RevisionAsync(connection, null, request.CommunityId, request.Month, request.Revision, ct) is not { } header)
        {
            return PublishedRankings.NotFound(request.Month, request.Revision);
        }
        return await RankingVerifier.VerifyAsync(connection, header, ct);
    }
}

/// <summary>The check behind the verify route, <c>rankings verify</c> and <c>verify</c>: reads only.</summary>
public static class RankingVerifier
{
    private const int MaxDifferences = 20;

    /// <summary>Every published revision of every community, in order (what <c>verify</c> includes).</summary>
    public static async Task<IReadOnlyList<RankingVerification>> VerifyAllAsync(DbDataSource db, long? communityId, string? month, int? revision,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var results = new List<RankingVerification>();
        foreach (var header in await RankingData.AllRevisionsAsync(connection, ct))
        {
            if ((communityId is null || header.CommunityId == communityId) && (month is null || header.Month == month)
                && (revision is null || header.Revision == revision))
            {
                try
                {
                    results.Add(await VerifyAsync(connection, header, ct));
                }
                catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or OverflowException or InvalidOperationException)
                {
                    // A damaged journal or snapshot (which verify reports on its own) makes this revision a mismatch, not a crash.
                    results.Add(new RankingVerification(header.CommunityId, header.Month, header.Revision, false, header.SnapshotHash, "", "", false,
                        header.ChainHeadSeq, header.ChainHeadHash, false, false, [$"cannot be recomputed: {e.Message}"]));
                }
            }
        }
        return results;
    }

    public static async Task<RankingVerification> VerifyAsync(DbConnection connection, SnapshotHeader header, CancellationToken ct)
    {
        var differences = new List<string>();
        var community = (await RankingData.CommunityAsync(connection, null, header.CommunityId, ct))!;
        IReadOnlyList<PublishedRow> stored;
        try
        {
            stored = await RankingData.RowsAsync(connection, null, header, ct);
        }
        catch (ArgumentException e)
        {
            stored = [];
            differences.Add($"a stored row cannot be put in canonical form: {e.Message}");
        }
        var storedRoot = Snapshots.Root(stored);
        var rootMatches = storedRoot == header.SnapshotHash && stored.Count == header.RowCount && differences.Count == 0;
        if (storedRoot != header.SnapshotHash)
        {
            differences.Add($"the stored rows hash to {storedRoot}, not the published root {header.SnapshotHash}");
        }
        if (stored.Count != header.RowCount)
        {
            differences.Add($"{stored.Count} rows are stored but the header says {header.RowCount}");
        }
        var journalHash = await RankingData.HashAtAsync(connection, null, header.CommunityId, header.ChainHeadSeq, ct);
        var headMatches = journalHash == header.ChainHeadHash;
        if (!headMatches)
        {
            differences.Add(journalHash is null
                ? $"the journal has no transaction {header.ChainHeadSeq}"
                : $"the journal's hash at seq {header.ChainHeadSeq} is {journalHash}, not the recorded {header.ChainHeadHash}");
        }

        var aggregates = await RankingData.AggregatesAsOfAsync(connection, null, community, header.Month, header.ChainHeadSeq, ct);
        var recomputed = await RankingData.RankAsync(connection, null, community.Id, aggregates, header.RankedBy, null, ct);
        var labels = stored.GroupBy(r => (r.SubjectKind, r.SubjectId)).ToDictionary(g => g.Key, g => g.First());
        var labelled = recomputed.Select(r => labels.TryGetValue((r.SubjectKind, r.SubjectId), out var s)
            ? r with { HouseholdCode = s.HouseholdCode, MaskedName = s.MaskedName, GridId = s.GridId }
            : r).ToList();
        var recomputedHash = Snapshots.Root(community.Id, header.Month, header.RankedBy, labelled);

        var rowsMatch = recomputed.Count == stored.Count;
        if (!rowsMatch)
        {
            differences.Add($"the journal up to seq {header.ChainHeadSeq} gives {recomputed.Count} rows, the revision has {stored.Count}");
        }
        for (var i = 0; i < Math.Min(recomputed.Count, stored.Count); i++)
        {
            var (r, s) = (recomputed[i], stored[i]);
            if (r.Rank != s.Rank || r.SubjectKind != s.SubjectKind || r.SubjectId != s.SubjectId || r.AccountId != s.AccountId
                || r.Points != s.Points || r.VolunteerMinutes != s.VolunteerMinutes)
            {
                rowsMatch = false;
                if (differences.Count < MaxDifferences)
                {
                    differences.Add($"row {i}: published rank {s.Rank}, {s.SubjectKind} {s.SubjectId}, {s.Points} points, {s.VolunteerMinutes} min; "
                        + $"the journal gives rank {r.Rank}, {r.SubjectKind} {r.SubjectId}, {r.Points} points, {r.VolunteerMinutes} min");
                }
            }
        }
        return new RankingVerification(header.CommunityId, header.Month, header.Revision, rootMatches && headMatches && rowsMatch,
            header.SnapshotHash, recomputedHash, storedRoot, rootMatches, header.ChainHeadSeq, header.ChainHeadHash, headMatches, rowsMatch, differences);
    }
}
