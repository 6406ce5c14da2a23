using System.Text.Json.Serialization;

namespace PointsBank.Rules;

/// <summary>How a rule turns facts into points. Exactly one kind per rule; see <see cref="RuleFormula"/>.</summary>
public enum FormulaKind
{
    /// <summary>固定分值: the same points for every occurrence.</summary>
    [JsonStringEnumMemberName("fixed")] Fixed,

    /// <summary>按时长: points per hour, the minutes rounded by a table and capped per occurrence.</summary>
    [JsonStringEnumMemberName("per_hour")] PerHour,

    /// <summary>按等次: a grade (优/良/中/差…) looked up in a table.</summary>
    [JsonStringEnumMemberName("grade")] Grade,

    /// <summary>固定扣分: the same points taken for every occurrence.</summary>
    [JsonStringEnumMemberName("deduction")] Deduction,

    /// <summary>酌定分值: the committee names an amount within a range; a second person approves it.</summary>
    [JsonStringEnumMemberName("discretion")] Discretion,
}

/// <summary>The calendar period of a limit, in the community's time zone, on effective dates.</summary>
public enum LimitPeriod
{
    [JsonStringEnumMemberName("day")] Day,
    [JsonStringEnumMemberName("month")] Month,
    [JsonStringEnumMemberName("year")] Year,
}

/// <summary>
/// One band of a rounding table: the minutes of a started hour up to <see cref="UpToMinutes"/> (inclusive) count as
/// <see cref="CreditMinutes"/>. The default table: ≤15 → 0, ≤45 → 30, ≤60 → 60.
/// </summary>
public sealed record RoundingBand(int UpToMinutes, int CreditMinutes);

/// <summary>One row of a grade table: the grade as recorded (优), its English name (excellent) and its points (may be 0 or negative).</summary>
public sealed record GradePoints(string Grade, string GradeEn, long Points);

/// <summary>
/// A rule's formula. <see cref="Kind"/> says which members apply: <c>fixed</c> and <c>deduction</c> take
/// <see cref="Points"/> (a positive magnitude; a deduction is taken); <c>per_hour</c> takes <see cref="PointsPerHour"/>,
/// <see cref="Rounding"/> and optionally <see cref="MaxHours"/> per occurrence; <c>grade</c> takes <see cref="Grades"/>;
/// <c>discretion</c> takes <see cref="MinPoints"/>..<see cref="MaxPoints"/> (signed: a deduction's range is negative).
/// Flat rather than a class hierarchy so that the stored JSON and the API body read the same and need no discriminator order.
/// </summary>
public sealed record RuleFormula(
    FormulaKind Kind,
    long? Points = null,
    long? PointsPerHour = null,
    IReadOnlyList<RoundingBand>? Rounding = null,
    int? MaxHours = null,
    IReadOnlyList<GradePoints>? Grades = null,
    long? MinPoints = null,
    long? MaxPoints = null)
{
    /// <summary>≤15 min → 0, 15–45 → half an hour, 45–60 → a whole hour (DESIGN §6).</summary>
    public static readonly IReadOnlyList<RoundingBand> DefaultRounding = [new(15, 0), new(45, 30), new(60, 60)];

    public static RuleFormula Fixed(long points) => new(FormulaKind.Fixed, Points: points);

    public static RuleFormula Deduct(long points) => new(FormulaKind.Deduction, Points: points);

    public static RuleFormula PerHour(long pointsPerHour, int? maxHours = null, IReadOnlyList<RoundingBand>? rounding = null) =>
        new(FormulaKind.PerHour, PointsPerHour: pointsPerHour, Rounding: rounding ?? DefaultRounding, MaxHours: maxHours);

    public static RuleFormula Graded(params GradePoints[] grades) => new(FormulaKind.Grade, Grades: grades);

    public static RuleFormula Discretionary(long minPoints, long maxPoints) =>
        new(FormulaKind.Discretion, MinPoints: minPoints, MaxPoints: maxPoints);
}

/// <summary>
/// Limits of a rule, per account. Caps bound the points the rule gives (or, for a deduction, takes) in a calendar
/// day, month or year; <c>MaxPer…</c> bound how many times it may be recorded; <see cref="MinMinutes"/> is the
/// shortest duration that counts; the rule applies to effective dates from <see cref="EffectiveFrom"/> to
/// <see cref="EffectiveTo"/>, both inclusive. Null means no limit.
/// </summary>
public sealed record RuleLimits(
    long? CapPerDay = null,
    long? CapPerMonth = null,
    long? CapPerYear = null,
    int? MaxPerDay = null,
    int? MaxPerMonth = null,
    int? MaxPerYear = null,
    int? MinMinutes = null,
    DateOnly? EffectiveFrom = null,
    DateOnly? EffectiveTo = null)
{
    public static readonly RuleLimits None = new();

    public long? Cap(LimitPeriod period) => period switch
    {
        LimitPeriod.Day => CapPerDay,
        LimitPeriod.Month => CapPerMonth,
        _ => CapPerYear,
    };

    public int? MaxOccurrences(LimitPeriod period) => period switch
    {
        LimitPeriod.Day => MaxPerDay,
        LimitPeriod.Month => MaxPerMonth,
        _ => MaxPerYear,
    };
}

/// <summary>Who may record entries under a rule: a staff role of the community (<c>committee</c>, <c>inspector</c>…) or <c>resident</c> (a claim).</summary>
public static class Recorders
{
    public const string Resident = "resident";
}

/// <summary>
/// A rule of a community's catalogue (积分细则), as the committee wrote it: what is stored as JSON for each version.
/// <see cref="RecordedBy"/> names who may record it; <see cref="NeedsReview"/> sends its entries through review;
/// <see cref="NeedsEvidence"/> asks for an evidence note; <see cref="Direct"/> posts at once when a permitted role
/// records it; <see cref="NeedsSecondApproval"/> asks a second person to approve (discretionary amounts).
/// </summary>
public sealed record RuleDefinition(
    string Code,
    string NameZh,
    string NameEn,
    string Category,
    RuleFormula Formula,
    RuleLimits? Limits = null,
    IReadOnlyList<string>? RecordedBy = null,
    bool NeedsReview = false,
    bool NeedsEvidence = false,
    bool Direct = true,
    bool NeedsSecondApproval = false)
{
    [JsonIgnore]
    public RuleLimits EffectiveLimits => Limits ?? RuleLimits.None;
}

/// <summary>One version of a rule: what the evaluator takes, and what a ledger entry names (rule code and version).</summary>
public sealed record RuleVersion(int Version, RuleDefinition Rule)
{
    public string Code => Rule.Code;
}

/// <summary>
/// What happened, as far as the rule's formula needs it: <see cref="Minutes"/> of service for <c>per_hour</c> (and
/// for a minimum duration), the <see cref="Grade"/> for <c>grade</c>, the <see cref="Amount"/> for <c>discretion</c>.
/// </summary>
public sealed record RuleFacts(int? Minutes = null, string? Grade = null, long? Amount = null)
{
    public static readonly RuleFacts None = new();
}

/// <summary>
/// An entry already on the account: the rule code that produced it, its effective date, its signed points. The caller
/// passes the account's entries whose effective dates lie in the calendar year of the evaluated date (that covers
/// the day and month windows too); entries of other rules, and outside the windows, are ignored. Reversed entries
/// should be left out (with their reversals).
/// </summary>
public sealed record PriorEntry(string RuleCode, DateOnly EffectiveDate, long Points);
