using System.Globalization;
using PointsBank.Rules;

namespace PointsBank.Pages.Rules;

/// <summary>
/// How a per-hour rule turns hours into points, in plain words ("每满 1 小时记 1 分；不足 1 小时的零头：45 分钟以内不计分，
/// 超过 45 分钟按 1 小时算，记 1 分；每次最多计 2 小时。例如服务 1.5 小时记 1 分。"). Derived from the formula alone —
/// points per hour, the rounding table, the hours cap — with the evaluator's arithmetic (whole hours as they are, the last
/// started hour through the table, points = counted minutes × rate ÷ 60 rounded down), so a half hour that earns less
/// than a point says so. The one place these words are made: the volunteer scan page and the record list use it.
/// </summary>
public static class HourWords
{
    /// <summary>The minutes the example speaks of: the walkthrough's "why is 1.5 hours 1 point?".</summary>
    private const int ExampleMinutes = 90;

    /// <summary>The words for a per-hour formula in both languages; null for any other kind.</summary>
    public static (string Zh, string En)? Of(RuleFormula formula)
    {
        if (formula is not { Kind: FormulaKind.PerHour, PointsPerHour: { } rate })
        {
            return null;
        }
        var bands = formula.Rounding is { Count: > 0 } r ? r : RuleFormula.DefaultRounding;
        var zh = new List<string> { $"每满 1 小时记 {rate} 分" };
        var en = new List<string> { $"{Pts(rate)} for each full hour" };

        // The minutes past the last whole hour (1–59), grouped by the points they add.
        var groups = new List<(int From, int To, long Points)>();
        var from = 1;
        foreach (var band in bands)
        {
            var to = Math.Min(band.UpToMinutes, 59);
            if (to < from)
            {
                continue;
            }
            var points = band.CreditMinutes * rate / 60;
            if (groups.Count > 0 && groups[^1].Points == points)
            {
                groups[^1] = (groups[^1].From, to, points);
            }
            else
            {
                groups.Add((from, to, points));
            }
            from = to + 1;
        }
        if (groups.All(g => g.Points == 0))
        {
            zh.Add("不足 1 小时的部分不计");
            en.Add("the part of an hour short of a full hour earns nothing");
        }
        else
        {
            var zhParts = groups.Select(g => g switch
            {
                { Points: 0, From: 1 } => $"{g.To} 分钟以内不计分",
                { Points: 0 } => $"{g.From}–{g.To} 分钟不计分",
                { To: 59 } when g.Points == rate => $"超过 {g.From - 1} 分钟按 1 小时算，记 {g.Points} 分",
                { To: 59 } => $"超过 {g.From - 1} 分钟记 {g.Points} 分",
                _ => $"{g.From}–{g.To} 分钟记 {g.Points} 分",
            });
            var enParts = groups.Select(g => g switch
            {
                { Points: 0, From: 1 } => $"up to {g.To} min earn nothing",
                { Points: 0 } => $"{g.From}–{g.To} min earn nothing",
                { To: 59 } when g.Points == rate => $"over {g.From - 1} min count as a full hour ({Pts(g.Points)})",
                { To: 59 } => $"over {g.From - 1} min earn {Pts(g.Points)}",
                _ => $"{g.From}–{g.To} min earn {Pts(g.Points)}",
            });
            zh.Add("不足 1 小时的零头：" + string.Join("，", zhParts));
            en.Add("of a started hour, " + string.Join(", ", enParts));
        }
        if (formula.MaxHours is { } max)
        {
            zh.Add($"每次最多计 {max} 小时（{max * rate} 分）");
            en.Add($"at most {max} hours ({Pts(max * rate)}) each time");
        }
        var example = Points(formula, ExampleMinutes);
        return (string.Join("；", zh) + $"。例如服务 1.5 小时记 {example} 分。",
            string.Join("; ", en) + $". For example, 1.5 hours of service earn {Pts(example)}.");
    }

    /// <summary>The words in the reader's language; null for a formula that is not per hour.</summary>
    public static string? Of(ShellPage page, RuleFormula formula) => Of(formula) is { } words ? page.T(words.Zh, words.En) : null;

    /// <summary>
    /// The points <paramref name="minutes"/> of service earn by the formula alone (the rule's limits — a daily cap, a
    /// minimum duration — may take some off when the record is certified): the evaluator's own arithmetic.
    /// </summary>
    public static long Points(RuleFormula formula, int minutes) =>
        formula.PointsPerHour is null ? 0 : RuleEvaluator.PerHourPoints(formula, minutes);

    private static string Pts(long points) => points.ToString(CultureInfo.InvariantCulture) + (points == 1 ? " point" : " points");
}
