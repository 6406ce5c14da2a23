using System.Text.Json;
using System.Text.Json.Serialization;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Ledger;

namespace PointsBank.Rules;

/// <summary>One thing wrong with a rule definition: the field (as the API names it) and the message in both languages.</summary>
public sealed record RuleProblem(string Field, string Zh, string En);

/// <summary>What makes a rule definition valid: the evaluator may assume all of it.</summary>
public static class RuleValidation
{
    public const int MaxCodeLength = 64;
    public const long MaxPoints = 10_000;

    /// <summary>The problems of <paramref name="rule"/>, fields named under <paramref name="prefix"/> (e.g. <c>rule.</c>).</summary>
    public static IEnumerable<RuleProblem> Problems(RuleDefinition rule, string prefix = "")
    {
        var problems = new List<RuleProblem>();
        void Add(string field, string zh, string en) => problems.Add(new RuleProblem(prefix + field, zh, en));
        void Range(string field, long? value, long min, long max, bool required)
        {
            if (value is null ? required : value < min || value > max)
            {
                Add(field, $"须为 {min} 到 {max} 之间的整数", $"must be a whole number from {min} to {max}");
            }
        }
        void Text(string field, string? value, int max)
        {
            if (string.IsNullOrWhiteSpace(value) || value.Length > max || StoredText.Check(value) != StoredText.Problem.None)
            {
                Add(field, $"须为 1 到 {max} 个可见字符", $"must be 1 to {max} visible characters");
            }
        }
        void Absent(string field, object? value, FormulaKind kind)
        {
            if (value is not null)
            {
                Add(field, $"“{Name(kind)}”公式不用此项", $"is not used by the '{Name(kind)}' formula");
            }
        }

        if (string.IsNullOrEmpty(rule.Code) || rule.Code.Length > MaxCodeLength
            || !rule.Code.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
        {
            Add("code", $"须为 1 到 {MaxCodeLength} 个小写字母、数字、下划线或连字符", $"must be 1 to {MaxCodeLength} lowercase letters, digits, '_' or '-'");
        }
        Text("nameZh", rule.NameZh, 100);
        Text("nameEn", rule.NameEn, 200);
        if (!Categories.OfRules.Contains(rule.Category))
        {
            Add("category", $"须为以下之一：{string.Join("、", Categories.OfRules)}", $"must be one of {string.Join(", ", Categories.OfRules)}");
        }

        var f = rule.Formula;
        if (f is null)
        {
            Add("formula", "不能为空", "is required");
        }
        else
        {
            var kind = f.Kind;
            var usesPoints = kind is FormulaKind.Fixed or FormulaKind.Deduction;
            if (usesPoints) Range("formula.points", f.Points, 1, MaxPoints, true); else Absent("formula.points", f.Points, kind);
            if (kind == FormulaKind.PerHour)
            {
                Range("formula.pointsPerHour", f.PointsPerHour, 1, 1_000, true);
                Range("formula.maxHours", f.MaxHours, 1, 24, false);
                if (!ValidRounding(f.Rounding))
                {
                    Add("formula.rounding", "须按分钟升序排列，最后一档为 60 分钟，折算分钟在 0 到 60 之间且不减少",
                        "must be bands in ascending minutes ending at 60, each crediting 0 to 60 minutes, never fewer than the band before");
                }
            }
            else
            {
                Absent("formula.pointsPerHour", f.PointsPerHour, kind);
                Absent("formula.rounding", f.Rounding, kind);
                Absent("formula.maxHours", f.MaxHours, kind);
            }
            if (kind == FormulaKind.Grade)
            {
                if (f.Grades is not { Count: > 0 and <= 20 })
                {
                    Add("formula.grades", "须有 1 到 20 个等次", "must list 1 to 20 grades");
                }
                else
                {
                    for (var i = 0; i < f.Grades.Count; i++)
                    {
                        Text($"formula.grades[{i}].grade", f.Grades[i]?.Grade, 20);
                        Text($"formula.grades[{i}].gradeEn", f.Grades[i]?.GradeEn, 50);
                        Range($"formula.grades[{i}].points", f.Grades[i]?.Points, -MaxPoints, MaxPoints, true);
                    }
                    if (f.Grades.Select(g => g?.Grade?.Trim()).Distinct().Count() != f.Grades.Count)
                    {
                        Add("formula.grades", "等次不能重复", "must not repeat a grade");
                    }
                }
            }
            else
            {
                Absent("formula.grades", f.Grades, kind);
            }
            if (kind == FormulaKind.Discretion)
            {
                Range("formula.minPoints", f.MinPoints, -MaxPoints, MaxPoints, true);
                Range("formula.maxPoints", f.MaxPoints, -MaxPoints, MaxPoints, true);
                if (f.MinPoints is { } low && f.MaxPoints is { } high && (low > high || (low < 0 && high > 0) || (low == 0 && high == 0)))
                {
                    Add("formula.maxPoints", "范围须不小于下限，且全为加分或全为扣分", "must be at least minPoints, with both awards or both deductions");
                }
                if (!rule.NeedsSecondApproval)
                {
                    Add("needsSecondApproval", "酌定分值须经第二人审批", "must be true for a discretionary amount");
                }
            }
            else
            {
                Absent("formula.minPoints", f.MinPoints, kind);
                Absent("formula.maxPoints", f.MaxPoints, kind);
            }
        }

        var limits = rule.EffectiveLimits;
        foreach (var period in Enum.GetValues<LimitPeriod>())
        {
            var name = period.ToString();
            Range($"limits.capPer{name}", limits.Cap(period), 1, 1_000_000, false);
            Range($"limits.maxPer{name}", limits.MaxOccurrences(period), 1, 10_000, false);
        }
        Range("limits.minMinutes", limits.MinMinutes, 1, 24 * 60, false);
        if (limits is { EffectiveFrom: { } from, EffectiveTo: { } to } && to < from)
        {
            Add("limits.effectiveTo", "不能早于 effectiveFrom", "must not be before effectiveFrom");
        }

        if (rule.RecordedBy is not { Count: > 0 } recorders || recorders.Distinct().Count() != recorders.Count
            || recorders.Any(r => r != Recorders.Resident && !(Roles.TryParse(r, out var role) && role.ToDb() == r)))
        {
            Add("recordedBy", "须列出可以记录的角色（committee、inspector、reviewer、organizer、resident…），不能重复",
                "must list who may record it (committee, inspector, reviewer, organizer, resident…), each once");
        }
        if (rule.Direct && rule.NeedsReview)
        {
            Add("direct", "直接入账的细则不能同时需要审核", "cannot be true when needsReview is");
        }
        return problems;
    }

    private static bool ValidRounding(IReadOnlyList<RoundingBand>? bands)
    {
        if (bands is not { Count: > 0 } || bands.Any(b => b is null) || bands[^1].UpToMinutes != 60)
        {
            return false;
        }
        for (var i = 0; i < bands.Count; i++)
        {
            var (band, before) = (bands[i], i == 0 ? new RoundingBand(0, 0) : bands[i - 1]);
            if (band.UpToMinutes <= before.UpToMinutes || band.CreditMinutes is < 0 or > 60 || band.CreditMinutes < before.CreditMinutes)
            {
                return false;
            }
        }
        return true;
    }

    private static string Name(FormulaKind kind) => JsonSerializer.Serialize(kind, RuleJson.Options).Trim('"');
}

/// <summary>The one JSON form of rules: camelCase, enums as their snake_case names, nulls left out, unknown members refused.</summary>
public static class RuleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static string Serialize(RuleDefinition rule) => JsonSerializer.Serialize(rule, Options);

    public static RuleDefinition Deserialize(string json) =>
        JsonSerializer.Deserialize<RuleDefinition>(json, Options) ?? throw new JsonException("a rule definition is null");
}
