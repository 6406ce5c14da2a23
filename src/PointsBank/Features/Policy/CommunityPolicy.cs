using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Policy;

/// <summary>
/// A community's policy (积分政策), as the API shows it and as other code reads it: account mode, 公示 window, penalty
/// policy, year-end policy (applied by <see cref="CloseYear"/> and, for the base, by the ledger at every redemption), points-to-yuan rate, back-dating limit and who
/// may give points to whom (赠送). Read it inside a unit of work with <see cref="ReadAsync(UnitOfWork, long, CancellationToken)"/>;
/// the unit holds the community's lock, so nothing changes it until the unit commits.
/// </summary>
/// <param name="YearEndBase">The non-redeemable base in points when <paramref name="YearEnd"/> is
/// <c>non_redeemable_base</c>; 0 otherwise.</param>
/// <param name="YuanPerPoint">Yuan per point for funding reports: an exact decimal with at most four decimal places
/// (stored as an integer of ten-thousandths of a yuan, never a float).</param>
/// <param name="TransferScope"><c>family</c> (the same household) or <c>community</c> (family and neighbours).</param>
/// <param name="RedBlackBoard">红黑榜: the monthly ranking also lists the month's deductions (households or residents
/// with points deducted, masked names) on the live ranking, the public board and the poster. Off by default.</param>
public sealed record CommunityPolicy(
    string AccountMode,
    int NoticeDays,
    string PenaltyPolicy,
    string YearEnd,
    long YearEndBase,
    decimal YuanPerPoint,
    int BackdateDays,
    bool TransfersAllowed,
    string TransferScope,
    bool RedBlackBoard = false)
{
    public const string Household = "household";
    public const string Person = "person";
    public const string CarryForward = "carry_forward";
    public const string ZeroAtYearEnd = "zero";
    public const string NonRedeemableBase = "non_redeemable_base";
    public const string Family = "family";
    public const string WholeCommunity = "community";

    public const int MaxNoticeDays = 90;
    public const int MaxBackdateDays = 366;
    public const long MaxYearEndBase = 1_000_000;
    public const decimal MaxYuanPerPoint = 10_000m;

    /// <summary>Ten-thousandths of a yuan: the fixed point <see cref="YuanPerPoint"/> is stored in.</summary>
    internal const decimal YuanScale = 10_000m;

    private const string Select = """
        SELECT account_mode AS AccountMode, notice_days AS NoticeDays, penalty_policy AS PenaltyPolicy, year_end AS YearEnd,
               year_end_base AS YearEndBase, yuan_per_point_e4 AS YuanPerPointE4, backdate_days AS BackdateDays,
               transfers_allowed AS TransfersAllowed, transfer_scope AS TransferScope, red_black_board AS RedBlackBoard
          FROM communities WHERE id = @communityId
        """;

    /// <summary>The policy of the community, read in the unit of work; null when there is no such community.</summary>
    public static Task<CommunityPolicy?> ReadAsync(UnitOfWork work, long communityId, CancellationToken ct) =>
        ReadAsync(work.Connection, work.Transaction, communityId, ct);

    /// <summary>The policy of the community on a connection of the caller's (a query's); null when there is no such community.</summary>
    public static async Task<CommunityPolicy?> ReadAsync(DbConnection connection, DbTransaction? tx, long communityId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select, new { communityId }, tx, cancellationToken: ct));
        return row is null
            ? null
            : new CommunityPolicy(row.AccountMode, checked((int)row.NoticeDays), row.PenaltyPolicy, row.YearEnd, row.YearEndBase,
                row.YuanPerPointE4 / YuanScale, checked((int)row.BackdateDays), row.TransfersAllowed, row.TransferScope, row.RedBlackBoard);
    }

    /// <summary>The refusal to change the account mode once the ledger has entries: accounts and their history were kept in it.</summary>
    internal static Failure AccountModeLocked(long communityId) =>
        new("account_mode_locked", $"community {communityId} already has ledger entries; its accounts were kept in its account mode");

    /// <summary><see cref="YuanPerPoint"/> as stored: exact ten-thousandths of a yuan.</summary>
    internal long YuanPerPointE4 => checked((long)(YuanPerPoint * YuanScale));

    private sealed record Row
    {
        public string AccountMode { get; init; } = "";
        public long NoticeDays { get; init; }
        public string PenaltyPolicy { get; init; } = "";
        public string YearEnd { get; init; } = "";
        public long YearEndBase { get; init; }
        public long YuanPerPointE4 { get; init; }
        public long BackdateDays { get; init; }
        public bool TransfersAllowed { get; init; }
        public string TransferScope { get; init; } = "";
        public bool RedBlackBoard { get; init; }
    }
}
