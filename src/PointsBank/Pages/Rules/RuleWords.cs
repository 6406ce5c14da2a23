using System.Globalization;
using PointsBank.Features.Rules;
using PointsBank.Rules;

namespace PointsBank.Pages.Rules;

/// <summary>
/// A rule in words, the way the 积分细则 reads on paper: what it gives ("每次 +10 分", "每小时 1 分，每次最多 2 小时"),
/// its limits ("每月最多 1 次", "每月上限 20 分"), who may record it and how it is handled. The grade table is shown by
/// the page itself from <see cref="RuleFormula.Grades"/>.
/// </summary>
public static class RuleWords
{
    public static bool Deducts(RuleView rule) =>
        rule.Formula.Kind == FormulaKind.Deduction || (rule.Formula.Kind == FormulaKind.Discretion && rule.Formula.MaxPoints < 0);

    /// <summary>What one occurrence gives; for a grade table, a lead-in (the table follows).</summary>
    public static string Gives(ShellPage page, RuleView rule)
    {
        var f = rule.Formula;
        return f.Kind switch
        {
            FormulaKind.Fixed => page.T($"每次 +{f.Points} 分", $"+{f.Points} points each time"),
            FormulaKind.Deduction => page.T($"每次扣 {f.Points} 分", $"{f.Points} points taken each time"),
            FormulaKind.PerHour => page.T($"每小时 {f.PointsPerHour} 分" + (f.MaxHours is { } zh ? $"，每次最多 {zh} 小时" : ""),
                $"{f.PointsPerHour} point{(f.PointsPerHour == 1 ? "" : "s")} an hour" + (f.MaxHours is { } en ? $", at most {en} hours each time" : "")),
            FormulaKind.Grade => page.T("按评定等次：", "By grade:"),
            FormulaKind.Discretion when f.MaxPoints < 0 => page.T($"每次扣 {-f.MaxPoints} 至 {-f.MinPoints} 分，由两委酌定",
                $"{-f.MaxPoints} to {-f.MinPoints} points taken, as the committee decides"),
            FormulaKind.Discretion => page.T($"每次 +{f.MinPoints} 至 +{f.MaxPoints} 分，由两委酌定",
                $"+{f.MinPoints} to +{f.MaxPoints} points, as the committee decides"),
            _ => "",
        };
    }

    /// <summary>How the minutes of a started hour count, for a per-hour rule ("零头 15 分钟以内不计…").</summary>
    public static string? Rounding(ShellPage page, RuleView rule)
    {
        if (rule.Formula is not { Kind: FormulaKind.PerHour, Rounding: { Count: > 0 } bands })
        {
            return null;
        }
        var zh = string.Join("，", bands.Select(b => b.CreditMinutes == 0 ? $"{b.UpToMinutes} 分钟以内不计" : $"{b.UpToMinutes} 分钟以内计 {b.CreditMinutes} 分钟"));
        var en = string.Join(", ", bands.Select(b => $"up to {b.UpToMinutes} min count as {b.CreditMinutes}"));
        return page.T($"不足一小时的零头：{zh}", $"Minutes of a started hour: {en}");
    }

    public static string Signed(long points) => (points > 0 ? "+" : "") + points.ToString(CultureInfo.InvariantCulture);

    /// <summary>The limits in words, one phrase each; empty when there are none.</summary>
    public static IReadOnlyList<string> Limits(ShellPage page, RuleView rule)
    {
        var l = rule.Limits;
        var take = Deducts(rule);
        var words = new List<string>();
        void Max(int? n, string zh, string en)
        {
            if (n is { } v) words.Add(page.T($"{zh}最多 {v} 次", v == 1 ? $"at most once a {en}" : $"at most {v} times a {en}"));
        }
        void Cap(long? n, string zh, string en)
        {
            if (n is { } v) words.Add(take ? page.T($"{zh}最多扣 {v} 分", $"at most {v} points taken a {en}") : page.T($"{zh}上限 {v} 分", $"at most {v} points a {en}"));
        }
        Max(l.MaxPerDay, "每天", "day");
        Max(l.MaxPerMonth, "每月", "month");
        Max(l.MaxPerYear, "每年", "year");
        Cap(l.CapPerDay, "每天", "day");
        Cap(l.CapPerMonth, "每月", "month");
        Cap(l.CapPerYear, "每年", "year");
        if (l.MinMinutes is { } min) words.Add(page.T($"至少 {min} 分钟才计分", $"counts from {min} minutes"));
        if (l.EffectiveFrom is { } from) words.Add(page.T($"{from:yyyy-MM-dd} 起施行", $"in effect from {from:yyyy-MM-dd}"));
        if (l.EffectiveTo is { } to) words.Add(page.T($"{to:yyyy-MM-dd} 止", $"until {to:yyyy-MM-dd}"));
        return words;
    }

    /// <summary>Who may record it, by role name ("两委、网格员"; residents by a claim).</summary>
    public static string RecordedBy(ShellPage page, RuleView rule) =>
        string.Join(page.T("、", ", "), (rule.RecordedBy.Count > 0 ? rule.RecordedBy : ["committee"]).Select(r => RoleName(page, r)));

    public static string RoleName(ShellPage page, string role) => role switch
    {
        "committee" => page.T("两委", "committee"),
        "inspector" => page.T("网格员", "grid inspectors"),
        "reviewer" => page.T("评议员", "reviewers"),
        "organizer" => page.T("志愿活动组织者", "volunteer organizers"),
        "shopkeeper" => page.T("店员", "shopkeepers"),
        "admin" => page.T("管理员", "administrators"),
        Recorders.Resident => page.T("居民（申报）", "residents (by a claim)"),
        _ => role,
    };

    /// <summary>How an entry under it is handled: straight to the ledger, or through review, evidence, a second approval.</summary>
    public static IReadOnlyList<string> Handling(ShellPage page, RuleView rule)
    {
        var words = new List<string>();
        if (rule.NeedsReview) words.Add(page.T("须审核、公示后入账", "reviewed and published before it posts"));
        else if (rule.Direct) words.Add(page.T("记分即入账", "posts when recorded"));
        if (rule.NeedsSecondApproval) words.Add(page.T("须第二人批准", "needs a second person's approval"));
        words.Add(rule.NeedsEvidence ? page.T("须写依据说明", "needs an evidence note") : page.T("依据说明可不填", "evidence note optional"));
        return words;
    }

    /// <summary>The adoption record in a line: "2026年第4次村民代表大会，2026-11-30 通过".</summary>
    public static string Adoption(ShellPage page, RuleAdoption adoption) =>
        page.T($"{adoption.Meeting}，{adoption.AdoptedOn:yyyy-MM-dd} 通过", $"{adoption.Meeting}, adopted {adoption.AdoptedOn:yyyy-MM-dd}");
}
