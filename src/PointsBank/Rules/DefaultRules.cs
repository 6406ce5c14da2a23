using PointsBank.Ledger;

namespace PointsBank.Rules;

/// <summary>
/// The catalogue every new community starts with (catalogue version 1, "系统默认细则"), from DOMAIN.md (b): values
/// taken from real villages, meant to be edited locally by a new version.
/// </summary>
public static class DefaultRules
{
    public const string AdoptedBy = "系统默认细则";

    public const string Note = "系统自带的默认积分细则，取自各地实例，请按本村（社区）村民代表大会决议修改";

    private static readonly string[] Staff = ["committee", "inspector"];
    private static readonly string[] StaffAndResidents = ["committee", "inspector", Recorders.Resident];

    public static IReadOnlyList<RuleDefinition> All { get; } =
    [
        new("public_labour", "参加村（社区）组织的义务劳动/环境整治", "Joining organised unpaid labour or clean-up", Categories.Environment,
            RuleFormula.Fixed(5), new RuleLimits(MaxPerDay: 1), ["committee", "inspector", "organizer"]),
        new("waste_sorting", "垃圾分类月度检查", "Monthly waste-sorting check", Categories.Hygiene,
            RuleFormula.Graded(new("优", "excellent", 10), new("良", "good", 6), new("中", "fair", 3), new("差", "poor", 0)),
            new RuleLimits(MaxPerMonth: 1), Staff),
        new("frontage_tidy", "门前三包/宅前屋后无乱堆乱放", "Tidy frontage, no clutter round the house", Categories.Hygiene,
            RuleFormula.Graded(new("无问题", "no findings", 25), new("1处问题", "1 finding", 20), new("2处问题", "2 findings", 15),
                new("3处问题", "3 findings", 10), new("4处问题", "4 findings", 5), new("5处及以上", "5 or more findings", 0)),
            new RuleLimits(MaxPerMonth: 1), Staff),
        new("lost_property", "拾金不昧", "Returning lost property", Categories.GoodDeed,
            RuleFormula.Discretionary(5, 10), null, StaffAndResidents, NeedsReview: true, NeedsEvidence: true, Direct: false,
            NeedsSecondApproval: true),
        new("mediation", "调解邻里矛盾纠纷", "Mediating a neighbour dispute", Categories.Neighbourliness,
            RuleFormula.Fixed(10), null, StaffAndResidents, NeedsReview: true, NeedsEvidence: true, Direct: false),
        new("security_patrol", "参加治安巡防", "Joining a security patrol", Categories.LawAbiding,
            RuleFormula.Fixed(10), new RuleLimits(MaxPerDay: 1), ["committee", "inspector", "organizer"]),
        new("volunteer_service", "志愿服务", "Volunteer service", Categories.Volunteer,
            RuleFormula.PerHour(1, maxHours: 2), null, ["committee", "organizer"]),
        new("filial_piety_star", "获评敬老爱亲之星", "Named filial-piety star", Categories.FilialPiety,
            RuleFormula.Fixed(20), new RuleLimits(MaxPerYear: 1), ["committee"]),
        new("straw_burning", "焚烧秸秆", "Burning straw", Categories.Deduction,
            RuleFormula.Deduct(5), null, Staff, NeedsEvidence: true),
        new("littering", "乱扔垃圾", "Littering", Categories.Deduction,
            RuleFormula.Deduct(5), new RuleLimits(CapPerMonth: 20), Staff, NeedsEvidence: true),
        new("public_morals", "违反社会公德/大操大办红白事", "Breaching public morals / lavish weddings or funerals", Categories.Deduction,
            RuleFormula.Deduct(20), null, ["committee"], NeedsEvidence: true),
    ];
}
