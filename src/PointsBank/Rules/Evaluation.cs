using System.Text.Json.Serialization;

namespace PointsBank.Rules;

/// <summary>What one step of an evaluation did. Steps marked "refusal" end an evaluation that gives no points.</summary>
public enum StepKind
{
    /// <summary>A fixed award: <c>Points</c>.</summary>
    [JsonStringEnumMemberName("fixed")] Fixed,

    /// <summary>A fixed deduction: <c>Points</c> (negative).</summary>
    [JsonStringEnumMemberName("deduction")] Deduction,

    /// <summary>A grade looked up: <c>Grade</c>, <c>GradeEn</c> → <c>Points</c>.</summary>
    [JsonStringEnumMemberName("grade")] Grade,

    /// <summary>A discretionary amount: <c>Points</c> within <c>Low</c>..<c>High</c>.</summary>
    [JsonStringEnumMemberName("discretion")] Discretion,

    /// <summary>Minutes rounded by the table: <c>Minutes</c> → <c>Credited</c> minutes.</summary>
    [JsonStringEnumMemberName("rounding")] Rounding,

    /// <summary>The per-occurrence cap of hours: <c>Credited</c> minutes → <c>Limit</c> minutes.</summary>
    [JsonStringEnumMemberName("hour_cap")] HourCap,

    /// <summary>Hours times the rate: <c>Credited</c> minutes × <c>Rate</c> points per hour → <c>Points</c> (whole points, rounded down).</summary>
    [JsonStringEnumMemberName("hourly_points")] HourlyPoints,

    /// <summary>A cap of the period: <c>Limit</c>, <c>Already</c> given → <c>Points</c> granted.</summary>
    [JsonStringEnumMemberName("cap")] Cap,

    /// <summary>Refusal: the date <c>Date</c> is before the rule's <c>Boundary</c> (effective from).</summary>
    [JsonStringEnumMemberName("not_yet_in_effect")] NotYetInEffect,

    /// <summary>Refusal: the date <c>Date</c> is after the rule's <c>Boundary</c> (effective to).</summary>
    [JsonStringEnumMemberName("no_longer_in_effect")] NoLongerInEffect,

    /// <summary>Refusal: <c>Already</c> occurrences in the <c>Period</c>, at most <c>Limit</c>.</summary>
    [JsonStringEnumMemberName("occurrence_limit")] OccurrenceLimit,

    /// <summary>Refusal: <c>Minutes</c> is below the minimum <c>Limit</c>.</summary>
    [JsonStringEnumMemberName("below_minimum_duration")] BelowMinimumDuration,

    /// <summary>Refusal: <c>Grade</c> is not in the table (<c>Choices</c>).</summary>
    [JsonStringEnumMemberName("unknown_grade")] UnknownGrade,

    /// <summary>Refusal: the amount <c>Points</c> is outside <c>Low</c>..<c>High</c>.</summary>
    [JsonStringEnumMemberName("amount_out_of_range")] AmountOutOfRange,

    /// <summary>Refusal: the fact <c>Fact</c> (minutes, grade, amount) is missing.</summary>
    [JsonStringEnumMemberName("missing_fact")] MissingFact,
}

/// <summary>Why an evaluation gives no points (as opposed to giving 0 because a cap is used up, which is not a refusal).</summary>
public enum RuleRefusal
{
    [JsonStringEnumMemberName("not_in_effect")] NotInEffect,
    [JsonStringEnumMemberName("occurrence_limit_reached")] OccurrenceLimitReached,
    [JsonStringEnumMemberName("below_minimum_duration")] BelowMinimumDuration,
    [JsonStringEnumMemberName("unknown_grade")] UnknownGrade,
    [JsonStringEnumMemberName("amount_out_of_range")] AmountOutOfRange,
    [JsonStringEnumMemberName("missing_facts")] MissingFacts,
}

/// <summary>
/// One step of an evaluation, as numbers and strings (which members are set depends on <see cref="Kind"/>), so the
/// same steps render in Chinese for the ledger and in English for a page (<see cref="RuleExplanation"/>).
/// </summary>
public sealed record EvaluationStep(
    StepKind Kind,
    long? Points = null,
    LimitPeriod? Period = null,
    long? Limit = null,
    long? Already = null,
    long? Minutes = null,
    long? Credited = null,
    long? Rate = null,
    long? Low = null,
    long? High = null,
    string? Grade = null,
    string? GradeEn = null,
    string? Fact = null,
    IReadOnlyList<string>? Choices = null,
    DateOnly? Date = null,
    DateOnly? Boundary = null);

/// <summary>
/// The result of evaluating a rule: the signed points (a deduction is negative; 0 when a cap is used up) and the
/// ordered steps that explain them, or a <see cref="Refusal"/> with the step that says why.
/// </summary>
public sealed record Evaluation(
    string RuleCode,
    int RuleVersion,
    string NameZh,
    string NameEn,
    long Points,
    IReadOnlyList<EvaluationStep> Steps,
    RuleRefusal? Refusal = null)
{
    [JsonIgnore]
    public bool Accepted => Refusal is null;

    /// <summary>The explanation for the ledger (the community's language): "卫生评比 优 → +10；本月上限 20，已得 15 → 实得 +5".</summary>
    public string Zh() => RuleExplanation.Zh(this);

    /// <summary>The same steps in English, for an English page.</summary>
    public string En() => RuleExplanation.En(this);
}
