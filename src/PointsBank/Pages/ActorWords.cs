namespace PointsBank.Pages;

/// <summary>
/// Who did something, in words, for the pages: a stored actor (<c>user:…</c>, <c>card:…</c>, <c>cli:…</c>,
/// <c>job:…</c>) becomes the staff user's display name, "the resident with the card", or the system in words — never
/// the raw id. The display names come with the view (<c>ActorNames</c>, looked up by <see cref="Identity.ActorNames"/>).
/// A card says nothing about whose card it is; the page that knows (a claim's own account's card) says so in
/// <c>card</c>. Names of residents are not here: they come masked or not with the view (<c>PersonalData</c>).
/// </summary>
public static class ActorWords
{
    public static string Of(ShellPage page, string? actor, IReadOnlyDictionary<string, string>? names = null, string? card = null)
    {
        if (string.IsNullOrEmpty(actor))
        {
            return "—";
        }
        if (names is not null && names.TryGetValue(actor, out var name))
        {
            return name;
        }
        var colon = actor.IndexOf(':', StringComparison.Ordinal);
        var (kind, rest) = colon < 0 ? (actor, "") : (actor[..colon], actor[(colon + 1)..]);
        return kind switch
        {
            // A user no longer in the table (or a view without names): the sign-in name is still words, not an id.
            "user" => rest,
            "card" => card ?? page.T("持卡居民（刷卡）", "A resident (by card)"),
            "cli" => rest switch
            {
                "demo-seed" => page.T("系统（演示数据）", "System (demo data)"),
                "year-end" => page.T("系统（年终结转）", "System (year-end)"),
                "import" => page.T("系统（批量导入）", "System (import)"),
                _ => page.T($"系统管理员（命令行 {rest}）", $"System administrator (command line {rest})"),
            },
            "job" => page.T("系统（自动任务）", "System (automatic job)"),
            "upgrade" => page.T("系统（升级）", "System (upgrade)"),
            "anonymous" => page.T("匿名", "Anonymous"),
            _ => page.T("系统", "System"),
        };
    }
}
