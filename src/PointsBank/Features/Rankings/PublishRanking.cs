using System.Text.Json.Serialization;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Rankings;

/// <summary>
/// A revision just published: its Merkle root and the chain head it was taken at. <see cref="Unchanged"/>: the month's
/// board had not changed since its latest revision (the same root), so no revision was made and this is that latest
/// one, as it was published (its own chain head, publisher and time); the API answers it with 200 instead of 201.
/// </summary>
public sealed record RankingPublished(long CommunityId, string Month, int Revision, string RankedBy, int Rows, string SnapshotHash,
    long ChainHeadSeq, string ChainHeadHash, string PublishedBy, DateTime PublishedAt, bool Unchanged = false, bool Replayed = false)
    : IReplayable<RankingPublished>, IMaybeUnchanged
{
    RankingPublished IReplayable<RankingPublished>.Resource => this;

    public object AsReplayed() => this with { Replayed = true };
}

/// <summary>
/// 公布积分榜: the committee freezes the month's board as it stands — the community-wide ranking by the community's
/// account mode, every category — into an immutable snapshot (rows and header; the database refuses to change either)
/// that records the ledger's chain head (seq and hash) it was read at, who published it and when, and the Merkle root
/// of its rows (docs/rankings.md). Publishing the month again, after corrections, adds revision 2, 3…; earlier revisions
/// stay as they were. Inside the unit of work: the community's lock is held, so no posting slips between the head and
/// the aggregates read. Only a month that is over in the community's time zone is published (<c>month_not_over</c>
/// until its last second has passed): a board of a month still running would be out of date the next day.
/// Publishing again when nothing on the board changed (the same root hash and ranked-by as the latest revision) makes
/// no revision: it answers the latest one, <see cref="RankingPublished.Unchanged"/> (docs/rankings.md §2).
/// </summary>
[Allow(Role.Committee)]
public sealed record PublishRanking([property: JsonIgnore] long CommunityId, [property: JsonIgnore] string Month,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<RankingPublished>>, IValidated, ICommunityScoped, IIdempotent, IBulkWrite
{
    /// <summary>Optional: a retry with the same key answers the revision it made instead of making another.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => RankingData.CheckMonth(Month);
}

sealed class PublishRankingHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<PublishRanking, Outcome<RankingPublished>>
{
    private const string SelectHead = "SELECT last_seq AS Seq, last_hash AS Hash FROM chain_heads WHERE community_id = @communityId";

    private const string LatestRevision = """
        SELECT revision AS Revision, ranked_by AS RankedBy, row_count AS Rows, snapshot_hash AS SnapshotHash, chain_head_seq AS ChainHeadSeq,
               chain_head_hash AS ChainHeadHash, published_by AS PublishedBy, published_at AS PublishedAt
        FROM ranking_snapshots
        WHERE community_id = @communityId AND month = @month
          AND revision = (SELECT MAX(revision) FROM ranking_snapshots WHERE community_id = @communityId AND month = @month)
        """;

    private const string NextRevision = "SELECT COALESCE(MAX(revision), 0) + 1 FROM ranking_snapshots WHERE community_id = @communityId AND month = @month";

    private static readonly DialectSql InsertSnapshot = new(
        Sqlite: """
            INSERT INTO ranking_snapshots (community_id, month, revision, ranked_by, row_count, snapshot_hash, chain_head_seq, chain_head_hash, published_by, published_at)
            VALUES (@communityId, @month, @revision, @rankedBy, @rowCount, @snapshotHash, @headSeq, @headHash, @publishedBy, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO ranking_snapshots (community_id, month, revision, ranked_by, row_count, snapshot_hash, chain_head_seq, chain_head_hash, published_by, published_at)
            VALUES (@communityId, @month, @revision, @rankedBy, @rowCount, @snapshotHash, @headSeq, @headHash, @publishedBy, @now);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string InsertRow = """
        INSERT INTO ranking_snapshot_rows (snapshot_id, position, rank, subject_kind, subject_id, account_id, household_code, masked_name, grid_id, points, volunteer_minutes)
        VALUES (@snapshotId, @position, @rank, @subjectKind, @subjectId, @accountId, @householdCode, @maskedName, @gridId, @points, @volunteerMinutes)
        """;

    private sealed record Latest
    {
        public long Revision { get; init; }
        public string RankedBy { get; init; } = "";
        public long Rows { get; init; }
        public string SnapshotHash { get; init; } = "";
        public long ChainHeadSeq { get; init; }
        public string ChainHeadHash { get; init; } = "";
        public string PublishedBy { get; init; } = "";
        public DateTime PublishedAt { get; init; }
    }

    private sealed record Head
    {
        public long Seq { get; init; }
        public string Hash { get; init; } = "";
    }

    public async Task<Outcome<RankingPublished>> Handle(PublishRanking request, CancellationToken ct)
    {
        if (await RankingData.CommunityAsync(work.Connection, work.Transaction, request.CommunityId, ct) is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var thisMonth = Projections.Month(work.Now, community.Zone);
        if (string.CompareOrdinal(request.Month, thisMonth) >= 0)
        {
            return new Failure("month_not_over",
                $"{request.Month} is not over yet in {community.Zone.Id} (it is {thisMonth} there now): a month is published after its last day");
        }
        var head = (await work.QueryAsync<Head>(SelectHead, new { communityId = community.Id }, ct)).SingleOrDefault()
            ?? new Head { Seq = 0, Hash = CanonicalForm.GenesisHash };
        var by = community.AccountMode;
        var aggregates = await RankingData.AggregatesAsync(work.Connection, work.Transaction, community.Id, request.Month, null, ct);
        var rows = await RankingData.RankAsync(work.Connection, work.Transaction, community.Id, aggregates, by, null, ct);
        var snapshotHash = Snapshots.Root(community.Id, request.Month, by, rows);
        var latest = (await work.QueryAsync<Latest>(LatestRevision, new { communityId = community.Id, month = request.Month }, ct)).SingleOrDefault();
        if (latest is not null && latest.SnapshotHash.Trim() == snapshotHash && latest.RankedBy.Trim() == by)
        {
            // Nothing on the board changed: another revision would tell residents the list was corrected when it was not.
            return new RankingPublished(community.Id, request.Month, checked((int)latest.Revision), by, checked((int)latest.Rows), snapshotHash,
                latest.ChainHeadSeq, latest.ChainHeadHash.Trim(), latest.PublishedBy.Trim(), DateTime.SpecifyKind(latest.PublishedAt, DateTimeKind.Utc),
                Unchanged: true);
        }
        var revision = await work.ScalarAsync<long>(NextRevision, new { communityId = community.Id, month = request.Month }, ct);
        var publishedBy = callers.Current.Actor;
        var snapshotId = await work.ScalarAsync<long>(work.Dialect.Pick(InsertSnapshot), new
        {
            communityId = community.Id, month = request.Month, revision, rankedBy = by, rowCount = rows.Count, snapshotHash,
            headSeq = head.Seq, headHash = head.Hash.Trim(), publishedBy, now = work.Now,
        }, ct);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            await work.ExecuteAsync(InsertRow, new
            {
                snapshotId, position = i, rank = r.Rank, subjectKind = r.SubjectKind, subjectId = r.SubjectId, accountId = r.AccountId!.Value,
                householdCode = r.HouseholdCode, maskedName = r.MaskedName, gridId = r.GridId, points = r.Points, volunteerMinutes = r.VolunteerMinutes,
            }, ct);
        }
        return new RankingPublished(community.Id, request.Month, checked((int)revision), by, rows.Count, snapshotHash, head.Seq, head.Hash.Trim(),
            publishedBy, work.Now);
    }
}

/// <summary>The Merkle root of a board's rows in their canonical form: what publishing stores and verification recomputes.</summary>
public static class Snapshots
{
    public static string Root(long communityId, string month, string rankedBy, IReadOnlyList<RankingRow> rows) =>
        Convert.ToHexStringLower(MerkleTree.Root([.. rows.Select(r => MerkleTree.LeafHash(CanonicalRow.Bytes(Canonical(communityId, month, rankedBy, r))))]));

    public static string Root(IReadOnlyList<PublishedRow> rows) =>
        Convert.ToHexStringLower(MerkleTree.Root([.. rows.Select(r => Convert.FromHexString(r.LeafHash))]));

    public static string Canonical(long communityId, string month, string rankedBy, RankingRow r) =>
        CanonicalRow.Text(communityId, month, rankedBy, r.Rank, r.SubjectKind, r.SubjectId, r.HouseholdCode, r.MaskedName, r.GridId, r.Points, r.VolunteerMinutes);
}
