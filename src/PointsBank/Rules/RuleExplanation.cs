using System.Globalization;

namespace PointsBank.Rules;

/// <summary>
/// Renders an evaluation's steps as one line: in Chinese for the ledger ("卫生评比 优 → +10；本月上限 20，已得 15 → 实得 +5")
/// and in English from the same steps. The rule's name leads the first step.
/// </summary>
public static class RuleExplanation
{
    public static string Zh(Evaluation evaluation) =>
        $"{evaluation.NameZh} {string.Join("；", evaluation.Steps.Select(s => Zh(s, evaluation.Points)))}";

    public static string En(Evaluation evaluation) =>
        $"{evaluation.NameEn} {string.Join("; ", evaluation.Steps.Select(s => En(s, evaluation.Points)))}";

    /// <summary>Signed points as the ledger shows them: +5, -5, 0.</summary>
    public static string Signed(long points) => points.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    private static string Hours(long? minutes) => (minutes!.Value / 60m).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Date(DateOnly? date) => date!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Zh(EvaluationStep s, long total) => s.Kind switch
    {
        StepKind.Fixed or StepKind.Deduction => $"→ {Signed(s.Points!.Value)}",
        StepKind.Grade => $"{s.Grade} → {Signed(s.Points!.Value)}",
        StepKind.Discretion => $"酌定 {Signed(s.Points!.Value)}（范围 {Signed(s.Low!.Value)} 至 {Signed(s.High!.Value)}）",
        StepKind.Rounding => $"服务 {s.Minutes} 分钟 → 计 {Hours(s.Credited)} 小时",
        StepKind.HourCap => $"每次最多计 {Hours(s.Limit)} 小时 → 计 {Hours(s.Limit)} 小时",
        StepKind.HourlyPoints => $"{Hours(s.Credited)} 小时 × 每小时 {s.Rate} 分 → {Signed(s.Points!.Value)}"
                                 + (s.Credited!.Value * s.Rate!.Value % 60 == 0 ? "" : "（不足 1 分不计）"),
        StepKind.Cap when total < 0 || s.Points < 0 =>
            $"{PeriodZh(s.Period)}扣分上限 {s.Limit}，已扣 {s.Already} → 实扣 {Signed(s.Points!.Value)}",
        StepKind.Cap => $"{PeriodZh(s.Period)}上限 {s.Limit}，已得 {s.Already} → 实得 {Signed(s.Points!.Value)}",
        StepKind.NotYetInEffect => $"自 {Date(s.Boundary)} 起施行，{Date(s.Date)} 不适用",
        StepKind.NoLongerInEffect => $"已于 {Date(s.Boundary)} 停止施行，{Date(s.Date)} 不适用",
        StepKind.OccurrenceLimit => $"每{UnitZh(s.Period)}最多 {s.Limit} 次，{PeriodZh(s.Period)}已有 {s.Already} 次 → 不能再记",
        StepKind.BelowMinimumDuration => $"至少 {s.Limit} 分钟，实际 {s.Minutes} 分钟 → 不计",
        StepKind.UnknownGrade => $"没有等次“{s.Grade}”（可选：{string.Join("、", s.Choices ?? [])}）",
        StepKind.AmountOutOfRange => $"酌定分值须在 {Signed(s.Low!.Value)} 至 {Signed(s.High!.Value)} 之间，收到 {Signed(s.Points!.Value)}",
        StepKind.MissingFact => $"缺少{FactZh(s.Fact)}",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s.Kind, "unknown step"),
    };

    private static string En(EvaluationStep s, long total) => s.Kind switch
    {
        StepKind.Fixed or StepKind.Deduction => $"→ {Signed(s.Points!.Value)}",
        StepKind.Grade => $"grade {s.Grade} ({s.GradeEn}) → {Signed(s.Points!.Value)}",
        StepKind.Discretion => $"at discretion {Signed(s.Points!.Value)} (range {Signed(s.Low!.Value)} to {Signed(s.High!.Value)})",
        StepKind.Rounding => $"{s.Minutes} min of service → {Hours(s.Credited)} h counted",
        StepKind.HourCap => $"at most {Hours(s.Limit)} h per occurrence → {Hours(s.Limit)} h",
        StepKind.HourlyPoints => $"{Hours(s.Credited)} h × {s.Rate} per hour → {Signed(s.Points!.Value)}"
                                 + (s.Credited!.Value * s.Rate!.Value % 60 == 0 ? "" : " (part points dropped)"),
        StepKind.Cap when total < 0 || s.Points < 0 =>
            $"{PeriodEn(s.Period)} deduction cap {s.Limit}, already {s.Already} → deducted {Signed(s.Points!.Value)}",
        StepKind.Cap => $"{PeriodEn(s.Period)} cap {s.Limit}, already {s.Already} → granted {Signed(s.Points!.Value)}",
        StepKind.NotYetInEffect => $"in effect from {Date(s.Boundary)}, not on {Date(s.Date)}",
        StepKind.NoLongerInEffect => $"in effect until {Date(s.Boundary)}, not on {Date(s.Date)}",
        StepKind.OccurrenceLimit => $"at most {s.Limit} per {UnitEn(s.Period)}, {s.Already} already this {UnitEn(s.Period)} → not recorded",
        StepKind.BelowMinimumDuration => $"at least {s.Limit} min, {s.Minutes} min given → not counted",
        StepKind.UnknownGrade => $"no grade '{s.Grade}' (choices: {string.Join(", ", s.Choices ?? [])})",
        StepKind.AmountOutOfRange => $"the amount must be from {Signed(s.Low!.Value)} to {Signed(s.High!.Value)}, got {Signed(s.Points!.Value)}",
        StepKind.MissingFact => $"{FactEn(s.Fact)} missing",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s.Kind, "unknown step"),
    };

    private static string PeriodZh(LimitPeriod? period) => period switch
    {
        LimitPeriod.Day => "当日",
        LimitPeriod.Month => "本月",
        _ => "本年",
    };

    private static string UnitZh(LimitPeriod? period) => period switch
    {
        LimitPeriod.Day => "日",
        LimitPeriod.Month => "月",
        _ => "年",
    };

    private static string PeriodEn(LimitPeriod? period) => period switch
    {
        LimitPeriod.Day => "daily",
        LimitPeriod.Month => "monthly",
        _ => "yearly",
    };

    private static string UnitEn(LimitPeriod? period) => period switch
    {
        LimitPeriod.Day => "day",
        LimitPeriod.Month => "month",
        _ => "year",
    };

    private static string FactZh(string? fact) => fact switch
    {
        "minutes" => "服务时长（分钟）",
        "grade" => "等次",
        "amount" => "酌定分值",
        _ => fact ?? "",
    };

    private static string FactEn(string? fact) => fact switch
    {
        "minutes" => "the minutes of service",
        "grade" => "the grade",
        "amount" => "the amount",
        _ => fact ?? "",
    };
}
