using PointsBank.Infrastructure;

namespace PointsBank.Pages;

/// <summary>How a page says what a request refused, in the reader's language: the problem's title, or the fields.</summary>
public static class PageText
{
    public static string Problem(ShellPage page, Failure failure)
    {
        var problem = ProblemCatalog.Get(failure.Code);
        return page.T(problem.Zh, problem.En);
    }

    public static string Invalid(ShellPage page, RequestValidationException e) =>
        string.Join(page.T("；", "; "), e.Errors.Select(error => $"{Field(page, error.Field)}{page.T("", ": ")}{page.T(error.Zh, error.En)}"));

    private static string Field(ShellPage page, string field) => field switch
    {
        "points" => page.T("分数", "Points"),
        "reason" => page.T("理由", "Reason"),
        "category" => page.T("类别", "Category"),
        "q" => page.T("查找内容", "Search"),
        IdempotencyKeys.Header => page.T("表单", "Form"),
        _ => field,
    };
}

/// <summary>The categories a committee picks from, with their names (stored as codes; shown in the reader's language).</summary>
public static class CategoryNames
{
    public static readonly IReadOnlyList<(string Code, string Zh, string En)> Awards =
    [
        (Ledger.Categories.GoodDeed, "好人好事", "Good deed"),
        (Ledger.Categories.Volunteer, "志愿服务", "Volunteer service"),
        (Ledger.Categories.Hygiene, "卫生评比", "Hygiene"),
        (Ledger.Categories.FilialPiety, "孝老爱亲", "Filial piety"),
        (Ledger.Categories.Neighbourliness, "邻里互助", "Neighbourliness"),
        (Ledger.Categories.LawAbiding, "遵纪守法", "Law-abiding"),
    ];

    public static readonly IReadOnlyList<(string Code, string Zh, string En)> Deductions =
    [
        (Ledger.Categories.Deduction, "扣分项", "Deduction"),
    ];

    public static string Name(ShellPage page, string code)
    {
        foreach (var (known, zh, en) in Awards.Concat(Deductions).Append((Ledger.Categories.Redemption, "积分兑换", "Redemption")))
        {
            if (known == code)
            {
                return page.T(zh, en);
            }
        }
        return code;
    }
}
