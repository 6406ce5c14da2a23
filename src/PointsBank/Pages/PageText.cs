using PointsBank.Infrastructure;

namespace PointsBank.Pages;

/// <summary>How a page says what a request refused, in the reader's language: the problem's title, or the fields.</summary>
public static class PageText
{
    public static string Problem(ShellPage page, Failure failure)
    {
        var problem = ProblemCatalog.Get(failure.Code);
        // A wrong PIN says how many tries are left, so the resident knows before the card locks.
        if (Features.Cards.CardPins.TriesLeft(failure) is { } left)
        {
            return page.T($"{problem.Zh}，还可以再试 {left} 次", $"{problem.En}; {left} more {(left == 1 ? "try" : "tries")} before the card locks");
        }
        return page.T(problem.Zh, problem.En);
    }

    public static string Invalid(ShellPage page, RequestValidationException e) =>
        string.Join(page.T("；", "; "), e.Errors.Select(error => $"{Field(page, error.Field)}{page.T("", ": ")}{page.T(error.Zh, error.En)}"));

    private static string Field(ShellPage page, string field) => field switch
    {
        "points" => page.T("分数", "Points"),
        "reason" => page.T("理由", "Reason"),
        "pin" => page.T("密码", "PIN"),
        "category" => page.T("类别", "Category"),
        "q" => page.T("查找内容", "Search"),
        "evidenceNote" => page.T("依据说明", "Evidence"),
        "occurredOn" => page.T("发生日期", "Day it happened"),
        "ruleCode" => page.T("事项", "Rule"),
        "memberId" => page.T("本人", "Member"),
        "facts.minutes" or "minutes" => page.T("服务时长", "Minutes"),
        IdempotencyKeys.Header => page.T("表单", "Form"),
        "adoption" => page.T("通过记录", "Adoption record"),
        "adoption.meeting" => page.T("通过会议", "Meeting"),
        "adoption.adoptedOn" => page.T("会议日期", "Date of the meeting"),
        "adoption.note" => page.T("备注", "Note"),
        "accountMode" => page.T("记分单位", "Accounts"),
        "noticeDays" => page.T("公示天数", "Days of public notice"),
        "penaltyPolicy" => page.T("扣分政策", "Deductions"),
        "yearEnd" => page.T("年终政策", "Year end"),
        "yearEndBase" => page.T("基础分", "Base points"),
        "yuanPerPoint" => page.T("每分折合", "Yuan per point"),
        "backdateDays" => page.T("补记天数", "Back-dating limit"),
        "transfersAllowed" or "transferScope" => page.T("赠送", "Giving points"),
        "name" => page.T("名称", "Name"),
        "kind" => page.T("类型", "Kind"),
        "unit" => page.T("单位", "Unit"),
        "pointsPrice" => page.T("积分价格", "Points price"),
        "quantity" => page.T("数量", "Quantity"),
        "donor" => page.T("捐赠人", "Donor"),
        "valueYuan" => page.T("估价", "Value"),
        "note" => page.T("备注", "Note"),
        "householdCode" => page.T("门牌编号", "Door-plate code"),
        "gridId" => page.T("网格", "Grid"),
        "address" => page.T("地址", "Address"),
        "holderName" => page.T("户主姓名", "Holder's name"),
        "holderPhone" => page.T("户主电话", "Holder's phone"),
        "members" => page.T("其他成员", "Other members"),
        _ when field.StartsWith("members[", StringComparison.Ordinal) => page.T("其他成员", "Other members"),
        _ when field.StartsWith("rule.", StringComparison.Ordinal) => RuleField(page, field),
        _ => field,
    };

    // A rule's fields as the rule page's form names them ("rule.limits.capPerMonth" → 每月上限).
    private static string RuleField(ShellPage page, string field) => field.Contains(".grades", StringComparison.Ordinal)
        ? page.T("等次分值", "Grade points")
        : field[(field.LastIndexOf('.') + 1)..] switch
    {
        "points" => page.T("分值", "Points"),
        "pointsPerHour" => page.T("每小时分值", "Points an hour"),
        "maxHours" => page.T("每次最多小时数", "Most hours"),
        "minPoints" => page.T("最少分值", "Least points"),
        "maxPoints" => page.T("最多分值", "Most points"),
        "capPerDay" => page.T("每天上限", "Cap a day"),
        "capPerMonth" => page.T("每月上限", "Cap a month"),
        "capPerYear" => page.T("每年上限", "Cap a year"),
        "maxPerDay" => page.T("每天次数", "Times a day"),
        "maxPerMonth" => page.T("每月次数", "Times a month"),
        "maxPerYear" => page.T("每年次数", "Times a year"),
        _ => page.T("细则", "Rule"),
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
        (Ledger.Categories.Environment, "环境整治", "Environment"),
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
