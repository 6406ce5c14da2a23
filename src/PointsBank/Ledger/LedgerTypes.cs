namespace PointsBank.Ledger;

public enum TransactionKind
{
    Award,
    Deduct,
    Redeem,
    Reverse,
    Expire,
    Adjust,
}

public enum AccountKind
{
    Household,
    Person,
    Shop,
    System,
}

/// <summary>The community's own accounts: where awarded points come from and spent or deducted points go.</summary>
public enum SystemAccount
{
    Issuance,
    Redeemed,
    Penalty,
    Expired,
}

/// <summary>
/// Idempotency keys live in two namespaces: keys a client sends (HTTP <c>Idempotency-Key</c>) are stored with the
/// <see cref="ClientPrefix"/>, keys the code derives (<c>claim-42</c>, <c>voucher-…</c>) without it, so a client can
/// never squat a derived key. Holds and postings share one namespace per community.
/// </summary>
public static class LedgerKeys
{
    public const string ClientPrefix = "client:";

    /// <summary>The longest key a client may send: the ledger's limit less the prefix.</summary>
    public const int MaxClientKeyLength = PointsLedger.MaxKeyLength - 7;

    public static string Client(string key) => ClientPrefix + key;

    /// <summary>A key the code derives from what it acts on, e.g. <c>Derived("claim", 42)</c> → <c>claim-42</c>.</summary>
    public static string Derived(string kind, long id) =>
        kind.StartsWith(ClientPrefix, StringComparison.Ordinal) || kind.Length == 0
            ? throw new ArgumentException("a derived key never uses the client namespace", nameof(kind))
            : $"{kind}-{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>A derived key made of several parts, e.g. an inspection's household, month and rule.</summary>
    public static string Derived(string kind, params string[] parts) =>
        kind.StartsWith(ClientPrefix, StringComparison.Ordinal) || kind.Length == 0
            ? throw new ArgumentException("a derived key never uses the client namespace", nameof(kind))
            : $"{kind}-{string.Join("-", parts)}";
}

/// <summary>Well-known categories; rules may add their own (any non-empty code of at most 64 characters).</summary>
public static class Categories
{
    public const string GoodDeed = "good_deed";
    public const string Volunteer = "volunteer";
    public const string Hygiene = "hygiene";
    public const string FilialPiety = "filial_piety";
    public const string Neighbourliness = "neighbourliness";
    public const string LawAbiding = "law_abiding";
    public const string Environment = "environment";
    public const string Deduction = "deduction";
    public const string Redemption = "redemption";
    public const string Correction = "correction";

    /// <summary>年底清零: the year-end expiry (kind <c>expire</c>) of a community whose policy is <c>zero</c>.</summary>
    public const string YearEnd = "year_end";

    /// <summary>
    /// 赠送: points a resident gives to family or a neighbour, posted as kind <c>adjust</c> between two member
    /// accounts. Moved, not earned: it counts nowhere in the monthly aggregates, and the ledger checks it for overdraft.
    /// </summary>
    public const string Transfer = "transfer";

    /// <summary>The categories a rule of the catalogue may have (redemptions and corrections come from no rule).</summary>
    public static readonly IReadOnlyList<string> OfRules =
        [GoodDeed, Volunteer, Hygiene, FilialPiety, Neighbourliness, Environment, LawAbiding, Deduction];
}

public static class LedgerNames
{
    public static string ToDb(this TransactionKind kind) => kind switch
    {
        TransactionKind.Award => "award",
        TransactionKind.Deduct => "deduct",
        TransactionKind.Redeem => "redeem",
        TransactionKind.Reverse => "reverse",
        TransactionKind.Expire => "expire",
        TransactionKind.Adjust => "adjust",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static TransactionKind ParseKind(string value) => value switch
    {
        "award" => TransactionKind.Award,
        "deduct" => TransactionKind.Deduct,
        "redeem" => TransactionKind.Redeem,
        "reverse" => TransactionKind.Reverse,
        "expire" => TransactionKind.Expire,
        "adjust" => TransactionKind.Adjust,
        _ => throw new FormatException($"unknown transaction kind '{value}'"),
    };

    public static string ToDb(this AccountKind kind) => kind.ToString().ToLowerInvariant();

    public static string ToDb(this SystemAccount account) => account.ToString().ToLowerInvariant();
}

/// <summary>One line of a transaction: a signed amount on one account. The lines of a transaction sum to zero.</summary>
public sealed record PostingLine(long AccountId, long Amount);

/// <summary>
/// What a feature asks the ledger to post. <see cref="Ledger.PostAsync"/> adds the sequence number, time, hashes
/// and projections.
/// </summary>
public sealed record LedgerEntry(
    long CommunityId,
    TransactionKind Kind,
    string Category,
    string IdempotencyKey,
    string Explanation,
    string Actor,
    IReadOnlyList<PostingLine> Postings,
    long? MemberId = null,
    string? RuleCode = null,
    int? RuleVersion = null,
    string Facts = "{}",
    int? Minutes = null,
    DateOnly? EffectiveDate = null);

public sealed record LedgerTransaction(
    long Id,
    long CommunityId,
    long Seq,
    TransactionKind Kind,
    string Category,
    string IdempotencyKey,
    string? RuleCode,
    int? RuleVersion,
    string Facts,
    string Explanation,
    string Actor,
    long? MemberId,
    int? Minutes,
    long? ReversesSeq,
    DateTime OccurredAt,
    string PrevHash,
    string Hash,
    IReadOnlyList<PostingLine> Postings)
{
    /// <summary>
    /// The local day (community time zone) the transaction belongs to: monthly aggregates and rankings key on its
    /// month. Null only on transactions written before effective dates existed (canonical form v1).
    /// </summary>
    public DateOnly? EffectiveDate { get; init; }
}

public enum LedgerError
{
    InvalidEntry,
    Unbalanced,
    UnknownCommunity,
    UnknownAccount,
    InsufficientPoints,
    IdempotencyConflict,
    TransactionNotFound,
    AlreadyReversed,
    NotReversible,
    HoldNotFound,
    HoldNotOpen,
    CommunityInactive,
    AccountInactive,
    EffectiveDateInFuture,
    EffectiveDateTooOld,
}

/// <summary>
/// The outcome of a ledger command: the transaction, or an expected business failure as a value. A replay of an
/// idempotency key with the same payload returns the original transaction with <see cref="Replayed"/> set.
/// </summary>
public sealed record LedgerResult(LedgerTransaction? Transaction, LedgerError? Error, string? Detail, bool Replayed = false)
{
    public bool Succeeded => Error is null;

    public static LedgerResult Posted(LedgerTransaction tx) => new(tx, null, null);
    public static LedgerResult Replay(LedgerTransaction tx) => new(tx, null, null, Replayed: true);
    public static LedgerResult Fail(LedgerError error, string detail) => new(null, error, detail);
}

public sealed record BatchResult(IReadOnlyList<LedgerTransaction> Transactions, LedgerError? Error, string? Detail, int FailedIndex = -1)
{
    public bool Succeeded => Error is null;

    /// <summary>False when every entry was a replay: nothing new to write.</summary>
    internal bool Commit { get; init; }
}

public enum HoldStatus
{
    Open,
    Captured,
    Released,
}

public sealed record Hold(long Id, long CommunityId, long AccountId, long Amount, HoldStatus Status, string Reference,
    DateTime CreatedAt, DateTime? ExpiresAt, long? CapturedSeq);

public sealed record HoldResult(Hold? Hold, LedgerError? Error, string? Detail, bool Replayed = false)
{
    public bool Succeeded => Error is null;

    public static HoldResult Fail(LedgerError error, string detail) => new(null, error, detail);
}

public sealed record AccountBalance(long AccountId, long CommunityId, long Balance, long Held)
{
    public long Available => Balance - Held;
}

/// <summary>A community's policy for deductions: cap at what the account has (the default), or let it go negative.</summary>
public enum PenaltyPolicy
{
    Cap,
    AllowNegative,
}
