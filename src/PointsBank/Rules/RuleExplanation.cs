using System.Globalization;

namespace PointsBank.Rules;

/// <summary>
/// Renders an evaluation's steps as one line: in Chinese for the ledger ("卫生评比 优 → +10；本月上限 20，已得 15 → 实得 +5")
/// and in English from the same steps. The rule's name leads the first step.
/// </summary>
public static class RuleExplanation
{
    public static string Zh(Evaluation evaluation) =>
        $"{evaluation.NameZh} {string.Join("；", evaluation.Steps.Select(s => Render(s, evaluation.Points).Zh))}";

    public static string En(Evaluation evaluation) =>
        $"{evaluation.NameEn} {string.Join("; ", evaluation.Steps.Select(s => Render(s, evaluation.Points).En))}";

    /// <summary>Signed points as the ledger shows them: +5, -5, 0.</summary>
    public static string Signed(long points) => points.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    private static string Hours(long? minutes) => (minutes!.Value / 60m).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Date(DateOnly? date) => date!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // Both languages side by side, so a step can never be explained in one and forgotten in the other.
    private static (string Zh, string En) Render(EvaluationStep s, long total)
    {
        var (points, low, high) = (Signed(s.Points ?? 0), Signed(s.Low ?? 0), Signed(s.High ?? 0));
        var (period, unit) = (PeriodWords(s.Period), UnitWords(s.Period));
        var dropped = s is { Credited: { } credited, Rate: { } rate } && credited * rate % 60 != 0;
        return s.Kind switch
        {
            StepKind.Fixed or StepKind.Deduction => ($"→ {points}", $"→ {points}"),
            StepKind.Grade => ($"{s.Grade} → {points}", $"grade {s.Grade} ({s.GradeEn}) → {points}"),
            StepKind.Discretion => ($"酌定 {points}（范围 {low} 至 {high}）", $"at discretion {points} (range {low} to {high})"),
            StepKind.Rounding => ($"服务 {s.Minutes} 分钟 → 计 {Hours(s.Credited)} 小时", $"{s.Minutes} min of service → {Hours(s.Credited)} h counted"),
            StepKind.HourCap => ($"每次最多计 {Hours(s.Limit)} 小时 → 计 {Hours(s.Limit)} 小时", $"at most {Hours(s.Limit)} h per occurrence → {Hours(s.Limit)} h"),
            StepKind.HourlyPoints => ($"{Hours(s.Credited)} 小时 × 每小时 {s.Rate} 分 → {points}" + (dropped ? "（不足 1 分不计）" : ""),
                $"{Hours(s.Credited)} h × {s.Rate} per hour → {points}" + (dropped ? " (part points dropped)" : "")),
            StepKind.Cap when total < 0 || s.Points < 0 => ($"{period.Zh}扣分上限 {s.Limit}，已扣 {s.Already} → 实扣 {points}",
                $"{period.En} deduction cap {s.Limit}, already {s.Already} → deducted {points}"),
            StepKind.Cap => ($"{period.Zh}上限 {s.Limit}，已得 {s.Already} → 实得 {points}",
                $"{period.En} cap {s.Limit}, already {s.Already} → granted {points}"),
            StepKind.NotYetInEffect => ($"自 {Date(s.Boundary)} 起施行，{Date(s.Date)} 不适用", $"in effect from {Date(s.Boundary)}, not on {Date(s.Date)}"),
            StepKind.NoLongerInEffect => ($"已于 {Date(s.Boundary)} 停止施行，{Date(s.Date)} 不适用", $"in effect until {Date(s.Boundary)}, not on {Date(s.Date)}"),
            StepKind.OccurrenceLimit => ($"每{unit.Zh}最多 {s.Limit} 次，{period.Zh}已有 {s.Already} 次 → 不能再记",
                $"at most {s.Limit} per {unit.En}, {s.Already} already this {unit.En} → not recorded"),
            StepKind.BelowMinimumDuration => ($"至少 {s.Limit} 分钟，实际 {s.Minutes} 分钟 → 不计", $"at least {s.Limit} min, {s.Minutes} min given → not counted"),
            StepKind.UnknownGrade => ($"没有等次“{s.Grade}”（可选：{string.Join("、", s.Choices ?? [])}）",
                $"no grade '{s.Grade}' (choices: {string.Join(", ", s.Choices ?? [])})"),
            StepKind.AmountOutOfRange => ($"酌定分值须在 {low} 至 {high} 之间，收到 {points}", $"the amount must be from {low} to {high}, got {points}"),
            StepKind.MissingFact => ($"缺少{FactWords(s.Fact).Zh}", $"{FactWords(s.Fact).En} missing"),
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.Kind, "unknown step"),
        };
    }

    private static (string Zh, string En) PeriodWords(LimitPeriod? period) => period switch
    {
        LimitPeriod.Day => ("当日", "daily"),
        LimitPeriod.Month => ("本月", "monthly"),
        _ => ("本年", "yearly"),
    };

    private static (string Zh, string En) UnitWords(LimitPeriod? period) => period switch
    {
        LimitPeriod.Day => ("日", "day"),
        LimitPeriod.Month => ("月", "month"),
        _ => ("年", "year"),
    };

    private static (string Zh, string En) FactWords(string? fact) => fact switch
    {
        "minutes" => ("服务时长（分钟）", "the minutes of service"),
        "grade" => ("等次", "the grade"),
        "amount" => ("酌定分值", "the amount"),
        _ => (fact ?? "", fact ?? ""),
    };
}
