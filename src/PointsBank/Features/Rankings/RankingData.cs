using System.Data.Common;
using System.Globalization;
using Dapper;
using PointsBank.Data;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Rankings;

/// <summary>
/// The community facts a ranking needs: its name, time zone and account mode (which decides what the board ranks), and
/// whether its policy turns on the 红黑榜 (the month's deductions listed beside the board).
/// </summary>
public sealed record RankingCommunity(long Id, string Name, TimeZoneInfo Zone, string AccountMode, bool RedBlackBoard = false);

/// <summary>A published row as stored, with its canonical text and leaf hash.</summary>
public sealed record PublishedRow(int Position, int Rank, string SubjectKind, long SubjectId, long AccountId, string HouseholdCode,
    string MaskedName, long? GridId, long Points, long VolunteerMinutes, string Canonical, string LeafHash);

/// <summary>A published revision's header as stored.</summary>
public sealed record SnapshotHeader(long Id, long CommunityId, string Month, int Revision, string RankedBy, int RowCount, string SnapshotHash,
    long ChainHeadSeq, string ChainHeadHash, string PublishedBy, DateTime PublishedAt);

/// <summary>The reads of the rankings slice: the month's aggregates, the roster, the journal up to a chain head, published snapshots.</summary>
public static class RankingData
{
    private const string SelectCommunity = """
        SELECT id AS Id, name AS Name, time_zone AS TimeZone, account_mode AS AccountMode, red_black_board AS RedBlackBoard
          FROM communities WHERE id = @communityId
        """;

    // One row per member account and member of the month; system and shop accounts never rank. Over every category the
    // monthly totals hold that row already (one per account and member, written with each posting: a range of the
    // primary key (community_id, month, …), whatever the number of entries and categories); one category is its
    // aggregates' rows, one per account and member too.
    private const string SelectTotals = """
        SELECT a.kind AS AccountKind, a.id AS AccountId, a.household_id AS HouseholdId, a.resident_id AS ResidentId, t.member_id AS MemberId,
               t.earned AS Earned, t.deducted AS Deducted, t.volunteer_minutes AS VolunteerMinutes
          FROM monthly_totals t JOIN accounts a ON a.id = t.account_id
         WHERE t.community_id = @communityId AND t.month = @month AND a.kind IN ('household', 'person')
        """;

    private const string SelectCategory = """
        SELECT a.kind AS AccountKind, a.id AS AccountId, a.household_id AS HouseholdId, a.resident_id AS ResidentId, m.member_id AS MemberId,
               m.earned AS Earned, m.deducted AS Deducted, m.volunteer_minutes AS VolunteerMinutes
          FROM monthly_aggregates m JOIN accounts a ON a.id = m.account_id
         WHERE m.community_id = @communityId AND m.month = @month AND m.category = @category AND a.kind IN ('household', 'person')
        """;

    private const string SelectHouseholds = "SELECT id AS Id, code AS Code, grid_id AS GridId FROM households WHERE community_id = @communityId";

    private const string SelectResidents = "SELECT id AS Id, full_name AS FullName, household_id AS HouseholdId FROM residents WHERE community_id = @communityId";

    private const string SelectAccounts = """
        SELECT id AS Id, kind AS Kind, household_id AS HouseholdId, resident_id AS ResidentId FROM accounts WHERE community_id = @communityId
        """;

    // The journal up to a chain head: what verification recomputes a published board from (a scan, fine for verify,
    // never used for the live ranking).
    private const string SelectJournal = """
        SELECT t.seq AS Seq, t.kind AS Kind, t.category AS Category, t.member_id AS MemberId, t.minutes AS Minutes, t.reverses_seq AS ReversesSeq,
               t.effective_date AS EffectiveDate, t.occurred_at AS OccurredAt, p.account_id AS AccountId, p.amount AS Amount
          FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
         WHERE t.community_id = @communityId AND t.seq <= @head
         ORDER BY t.seq, p.line_no
        """;

    private const string SelectHashAt = "SELECT hash FROM ledger_transactions WHERE community_id = @communityId AND seq = @seq";

    private const string HeaderColumns = """
        id AS Id, community_id AS CommunityId, month AS Month, revision AS Revision, ranked_by AS RankedBy, row_count AS RowTotal,
        snapshot_hash AS SnapshotHash, chain_head_seq AS ChainHeadSeq, chain_head_hash AS ChainHeadHash, published_by AS PublishedBy,
        published_at AS PublishedAt
        """;

    private const string SelectRevision = $"""
        SELECT {HeaderColumns} FROM ranking_snapshots WHERE community_id = @communityId AND month = @month AND revision = @revision
        """;

    private const string SelectLatest = $"""
        SELECT {HeaderColumns} FROM ranking_snapshots
         WHERE community_id = @communityId AND month = @month
           AND revision = (SELECT MAX(revision) FROM ranking_snapshots WHERE community_id = @communityId AND month = @month)
        """;

    private const string SelectRevisions = $"""
        SELECT {HeaderColumns} FROM ranking_snapshots WHERE community_id = @communityId AND (@month IS NULL OR month = @month)
         ORDER BY month DESC, revision DESC
        """;

    private const string SelectRows = """
        SELECT position AS Position, rank AS Rank, subject_kind AS SubjectKind, subject_id AS SubjectId, account_id AS AccountId,
               household_code AS HouseholdCode, masked_name AS MaskedName, grid_id AS GridId, points AS Points, volunteer_minutes AS VolunteerMinutes
          FROM ranking_snapshot_rows WHERE snapshot_id = @snapshotId ORDER BY position
        """;

    private const string SelectSnapshotsOfAccount = $"""
        SELECT {HeaderColumns} FROM ranking_snapshots s
         WHERE s.community_id = @communityId AND EXISTS (SELECT 1 FROM ranking_snapshot_rows r WHERE r.snapshot_id = s.id AND r.account_id = @accountId)
         ORDER BY s.month DESC, s.revision DESC
        """;

    private const string SelectAllSnapshots = $"SELECT {HeaderColumns} FROM ranking_snapshots ORDER BY community_id, month, revision";

    public static async Task<RankingCommunity?> CommunityAsync(DbConnection connection, DbTransaction? tx, long communityId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CommunityRow>(new CommandDefinition(SelectCommunity, new { communityId }, tx, cancellationToken: ct));
        return row is null ? null : new RankingCommunity(row.Id, row.Name, Projections.Zone(row.TimeZone), row.AccountMode, row.RedBlackBoard);
    }

    public static async Task<IReadOnlyList<RankingAggregate>> AggregatesAsync(DbConnection connection, DbTransaction? tx, long communityId,
        string month, string? category, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<AggregateRow>(new CommandDefinition(category is null ? SelectTotals : SelectCategory,
            new { communityId, month, category }, tx, cancellationToken: ct));
        return [.. rows.Select(r => new RankingAggregate(r.AccountKind, r.AccountId, r.HouseholdId, r.ResidentId, r.MemberId, r.Earned, r.Deducted, r.VolunteerMinutes))];
    }

    /// <summary>
    /// Ranks <paramref name="aggregates"/> <paramref name="by"/> households or residents (<see cref="Ranking.Rank"/>) with
    /// the roster facts it needs: the community's households always (door-plate codes and grids); its residents only
    /// when a row needs one — a ranking by person (the names), or a person's account ranked in its household.
    /// </summary>
    public static async Task<IReadOnlyList<RankingRow>> RankAsync(DbConnection connection, DbTransaction? tx, long communityId,
        IReadOnlyList<RankingAggregate> aggregates, string by, long? gridId, CancellationToken ct)
    {
        var households = await connection.QueryAsync<HouseholdRow>(new CommandDefinition(SelectHouseholds, new { communityId }, tx, cancellationToken: ct));
        var residents = by == RankedBy.Person || aggregates.Any(a => a.AccountKind == "person")
            ? await connection.QueryAsync<ResidentRow>(new CommandDefinition(SelectResidents, new { communityId }, tx, cancellationToken: ct))
            : [];
        var roster = new RankingRoster(households.ToDictionary(h => h.Id, h => (h.Code, h.GridId)),
            residents.ToDictionary(r => r.Id, r => (r.FullName, r.HouseholdId)));
        return Ranking.Rank(aggregates, by, roster, gridId);
    }

    /// <summary>
    /// The month's aggregates as the journal gives them up to and including <paramref name="head"/>, by the same rules
    /// the posting path and <c>verify</c> apply (<see cref="Projections.Apply"/>): a reversal counts in its original's
    /// month, against its original's kind.
    /// </summary>
    public static async Task<IReadOnlyList<RankingAggregate>> AggregatesAsOfAsync(DbConnection connection, DbTransaction? tx,
        RankingCommunity community, string month, long head, CancellationToken ct)
    {
        var accounts = (await connection.QueryAsync<AccountRow>(new CommandDefinition(SelectAccounts, new { communityId = community.Id }, tx, cancellationToken: ct)))
            .ToDictionary(a => a.Id);
        var originals = new Dictionary<long, (TransactionKind Kind, string Month)>();
        var sums = new Dictionary<(long Account, long Member), AggregateDelta>();
        // Streamed: a verify over a million entries keeps one row at a time, not the journal, in memory.
        await foreach (var line in connection.QueryUnbufferedAsync<JournalRow>(SelectJournal, new { communityId = community.Id, head }, tx).WithCancellation(ct))
        {
            var kind = LedgerNames.ParseKind(line.Kind);
            var lineMonth = Projections.Month(line.EffectiveDate ?? Projections.LocalDate(Clock.AsUtc(line.OccurredAt), community.Zone));
            var (effectiveKind, sign) = (kind, 1);
            if (line.ReversesSeq is { } reversed && originals.TryGetValue(reversed, out var original))
            {
                (effectiveKind, lineMonth, sign) = (original.Kind, original.Month, -1);
            }
            originals.TryAdd(line.Seq, (kind, lineMonth));
            if (lineMonth != month || !accounts.TryGetValue(line.AccountId, out var account) || account.Kind is not ("household" or "person"))
            {
                continue;
            }
            var key = (line.AccountId, line.MemberId ?? 0);
            if (!sums.TryGetValue(key, out var delta))
            {
                sums[key] = delta = new AggregateDelta();
            }
            Projections.Apply(delta, effectiveKind, line.Category, line.Amount, line.Minutes, sign);
        }
        return [.. sums.Select(s =>
        {
            var account = accounts[s.Key.Account];
            return new RankingAggregate(account.Kind, account.Id, account.HouseholdId, account.ResidentId, s.Key.Member, s.Value.Earned, s.Value.Deducted,
                s.Value.VolunteerMinutes);
        })];
    }

    /// <summary>
    /// The 红黑榜's deductions list of a month (<see cref="Ranking.Deductions"/>), live from the monthly aggregates over
    /// every category, ranked <paramref name="by"/> within <paramref name="gridId"/> when given; null when the community's
    /// policy does not turn the 红黑榜 on. Published snapshots do not carry it (docs/rankings.md): a board's deductions
    /// list is always read live.
    /// </summary>
    public static async Task<IReadOnlyList<DeductionRow>?> DeductionsAsync(DbConnection connection, DbTransaction? tx, RankingCommunity community,
        string month, string by, long? gridId, CancellationToken ct)
    {
        if (!community.RedBlackBoard)
        {
            return null;
        }
        var aggregates = await AggregatesAsync(connection, tx, community.Id, month, null, ct);
        return Ranking.Deductions(await RankAsync(connection, tx, community.Id, aggregates, by, gridId, ct));
    }

    /// <summary>The hash of the journal's transaction <paramref name="seq"/> (the genesis hash for 0), or null when there is none.</summary>
    public static async Task<string?> HashAtAsync(DbConnection connection, DbTransaction? tx, long communityId, long seq, CancellationToken ct) =>
        seq == 0
            ? CanonicalForm.GenesisHash
            : (await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectHashAt, new { communityId, seq }, tx, cancellationToken: ct)))?.Trim();

    public static Task<SnapshotHeader?> RevisionAsync(DbConnection connection, DbTransaction? tx, long communityId, string month, int? revision,
        CancellationToken ct) =>
        Header(connection.QuerySingleOrDefaultAsync<HeaderRow>(new CommandDefinition(revision is null ? SelectLatest : SelectRevision,
            new { communityId, month, revision }, tx, cancellationToken: ct)));

    public static async Task<IReadOnlyList<SnapshotHeader>> RevisionsAsync(DbConnection connection, long communityId, string? month, CancellationToken ct) =>
        [.. (await connection.QueryAsync<HeaderRow>(new CommandDefinition(SelectRevisions, new { communityId, month }, cancellationToken: ct))).Select(ToHeader)];

    public static async Task<IReadOnlyList<SnapshotHeader>> RevisionsOfAccountAsync(DbConnection connection, long communityId, long accountId, CancellationToken ct) =>
        [.. (await connection.QueryAsync<HeaderRow>(new CommandDefinition(SelectSnapshotsOfAccount, new { communityId, accountId }, cancellationToken: ct))).Select(ToHeader)];

    public static async Task<IReadOnlyList<SnapshotHeader>> AllRevisionsAsync(DbConnection connection, CancellationToken ct) =>
        [.. (await connection.QueryAsync<HeaderRow>(new CommandDefinition(SelectAllSnapshots, cancellationToken: ct))).Select(ToHeader)];

    public static async Task<IReadOnlyList<PublishedRow>> RowsAsync(DbConnection connection, DbTransaction? tx, SnapshotHeader header, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<StoredRow>(new CommandDefinition(SelectRows, new { snapshotId = header.Id }, tx, cancellationToken: ct));
        return [.. rows.Select(r =>
        {
            var text = CanonicalRow.Text(header.CommunityId, header.Month, header.RankedBy, checked((int)r.Rank), r.SubjectKind, r.SubjectId,
                r.HouseholdCode, r.MaskedName, r.GridId, r.Points, r.VolunteerMinutes);
            return new PublishedRow(checked((int)r.Position), checked((int)r.Rank), r.SubjectKind, r.SubjectId, r.AccountId, r.HouseholdCode,
                r.MaskedName, r.GridId, r.Points, r.VolunteerMinutes, text, Convert.ToHexStringLower(MerkleTree.LeafHash(CanonicalRow.Bytes(text))));
        })];
    }

    public static IEnumerable<FieldError> CheckMonth(string? month) =>
        month is { Length: 7 } && DateOnly.TryParseExact(month, Projections.MonthFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? []
            : [new FieldError("month", "月份须写成 yyyy-MM，例如 2026-11", "must be a month as yyyy-MM, e.g. 2026-11")];

    private static async Task<SnapshotHeader?> Header(Task<HeaderRow?> row) => await row is { } r ? ToHeader(r) : null;

    private static SnapshotHeader ToHeader(HeaderRow r) => new(r.Id, r.CommunityId, r.Month.Trim(), checked((int)r.Revision), r.RankedBy,
        checked((int)r.RowTotal), r.SnapshotHash.Trim(), r.ChainHeadSeq, r.ChainHeadHash.Trim(), r.PublishedBy, Clock.AsUtc(r.PublishedAt));

    private sealed record CommunityRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public string AccountMode { get; init; } = "";
        public bool RedBlackBoard { get; init; }
    }

    private sealed record AggregateRow
    {
        public string AccountKind { get; init; } = "";
        public long AccountId { get; init; }
        public long? HouseholdId { get; init; }
        public long? ResidentId { get; init; }
        public long MemberId { get; init; }
        public long Earned { get; init; }
        public long Deducted { get; init; }
        public long VolunteerMinutes { get; init; }
    }

    private sealed record HouseholdRow
    {
        public long Id { get; init; }
        public string Code { get; init; } = "";
        public long? GridId { get; init; }
    }

    private sealed record ResidentRow
    {
        public long Id { get; init; }
        public string FullName { get; init; } = "";
        public long? HouseholdId { get; init; }
    }

    private sealed record AccountRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public long? HouseholdId { get; init; }
        public long? ResidentId { get; init; }
    }

    private sealed record JournalRow
    {
        public long Seq { get; init; }
        public string Kind { get; init; } = "";
        public string Category { get; init; } = "";
        public long? MemberId { get; init; }
        public int? Minutes { get; init; }
        public long? ReversesSeq { get; init; }
        public DateOnly? EffectiveDate { get; init; }
        public DateTime OccurredAt { get; init; }
        public long AccountId { get; init; }
        public long Amount { get; init; }
    }

    private sealed record HeaderRow
    {
        public long Id { get; init; }
        public long CommunityId { get; init; }
        public string Month { get; init; } = "";
        public long Revision { get; init; }
        public string RankedBy { get; init; } = "";
        public long RowTotal { get; init; }
        public string SnapshotHash { get; init; } = "";
        public long ChainHeadSeq { get; init; }
        public string ChainHeadHash { get; init; } = "";
        public string PublishedBy { get; init; } = "";
        public DateTime PublishedAt { get; init; }
    }

    private sealed record StoredRow
    {
        public long Position { get; init; }
        public long Rank { get; init; }
        public string SubjectKind { get; init; } = "";
        public long SubjectId { get; init; }
        public long AccountId { get; init; }
        public string HouseholdCode { get; init; } = "";
        public string MaskedName { get; init; } = "";
        public long? GridId { get; init; }
        public long Points { get; init; }
        public long VolunteerMinutes { get; init; }
    }
}
