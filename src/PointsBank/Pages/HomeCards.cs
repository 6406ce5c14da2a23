using PointsBank.Features.Auth;
using PointsBank.Identity;

namespace PointsBank.Pages;

/// <summary>
/// One thing a role can do, with the page that does it (<c>{c}</c> in it stands for the community, <c>{s}</c> for the
/// shopkeeper's shop); no page yet means "coming soon", never a link to a 404.
/// </summary>
public sealed record Capability(string Zh, string En, string? Href = null);

/// <summary>A card on the home page: one role the user holds in one community, maybe limited to a grid or bound to a shop.</summary>
public sealed record RoleCard(Role Role, string Zh, string En, string? ScopeZh, string? ScopeEn, IReadOnlyList<Capability> Capabilities);

/// <summary>The cards of one community (or of the whole installation, for a system administrator).</summary>
public sealed record CommunityCards(long? CommunityId, string NameZh, string NameEn, IReadOnlyList<RoleCard> Cards);

/// <summary>What each role can do, as the home page shows it. Set a capability's page here when that page exists.</summary>
public static class HomeCards
{
    private static readonly IReadOnlyDictionary<Role, (string Zh, string En, Capability[] Can)> ByRole = new Dictionary<Role, (string, string, Capability[])>
    {
        [Role.Admin] = ("管理员", "Administrator", [new("用户与角色", "Users and roles"), new("社区设置", "Community settings", "/policy/{c}")]),
        [Role.Committee] = ("两委", "Committee", [new("记分与更正", "Points and corrections", "/points/{c}"), new("卫生检查", "Hygiene inspections", "/inspections/{c}"),
            new("积分细则", "Points rules", "/rules/{c}"), new("积分政策", "Points policy", "/policy/{c}"), new("审核申报", "Review claims", "/claims/{c}"), new("积分卡", "Points cards", "/cards/{c}"), new("积分超市", "Points supermarket", "/shops/{c}"), new("柜台兑换", "Counter redemptions", "/counter"), new("兑换报表", "Redemption reports", "/reports/{c}"), new("名册", "Roster", "/roster/{c}"), new("审计日志", "Audit log"), new("积分排行榜", "Monthly rankings", "/rankings/{c}"), new("志愿服务", "Volunteer service", "/volunteers/{c}")]),
        [Role.Reviewer] = ("评议员", "Reviewer", [new("审核申报", "Review claims", "/claims/{c}"), new("积分细则", "Points rules", "/rules/{c}")]),
        [Role.Inspector] = ("网格员", "Grid inspector", [new("卫生检查", "Hygiene inspections", "/inspections/{c}"), new("好人好事记分", "Points for good deeds", "/points/{c}"),
            new("积分细则", "Points rules", "/rules/{c}")]),
        [Role.Organizer] = ("志愿活动组织者", "Volunteer organizer", [new("志愿活动", "Volunteer activities", "/volunteers/{c}"), new("积分细则", "Points rules", "/rules/{c}")]),
        [Role.Shopkeeper] = ("店员", "Shopkeeper", [new("柜台兑换", "Counter redemptions", "/counter"), new("商品与库存", "Goods and stock", "/shops/{c}/{s}"), new("对账单", "Statements", "/reports/{c}/shops/{s}")]),
        [Role.Township] = ("镇/街道", "Township", [new("全镇概况", "Township overview", "/township")]),
    };

    private static readonly Capability[] InstallationAdmin = [new("社区管理", "Communities"), new("用户与角色", "Users and roles")];

    public static IReadOnlyList<CommunityCards> For(MeView me)
    {
        var result = new List<CommunityCards>();
        if (me.IsSystemAdmin)
        {
            result.Add(new CommunityCards(null, "整个系统", "Whole installation",
                [new RoleCard(Role.Admin, "系统管理员", "System administrator", null, null, InstallationAdmin)]));
        }
        foreach (var community in me.Roles.Where(r => r.CommunityId is not null).GroupBy(r => r.CommunityId!.Value).OrderBy(g => g.Key))
        {
            var cards = community
                .Select(grant => (Grant: grant, Parsed: Roles.TryParse(grant.Role, out var role) ? role : (Role?)null))
                .Where(g => g.Parsed is not null)
                .OrderBy(g => g.Parsed)
                .Select(g => Card(g.Parsed!.Value, g.Grant))
                .ToList();
            var name = community.First().CommunityName ?? $"#{community.Key}";
            result.Add(new CommunityCards(community.Key, name, name, cards));
        }
        return result;
    }

    private static RoleCard Card(Role role, MyRole grant)
    {
        var (zh, en, all) = ByRole[role];
        var can = all.Select(c => c.Href is null ? c : c with
        {
            // A shopkeeper bound to no shop has no shop page to go to: "coming soon" rather than a broken link.
            Href = c.Href.Contains("{s}", StringComparison.Ordinal) && grant.ShopId is null ? null : c.Href
                .Replace("{c}", grant.CommunityId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{s}", grant.ShopId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal),
        }).ToArray();
        return role switch
        {
            Role.Inspector when grant.GridId is { } grid => new RoleCard(role, zh, en,
                $"网格：{grant.GridName ?? $"#{grid}"}", $"Grid: {grant.GridName ?? $"#{grid}"}", can),
            Role.Inspector => new RoleCard(role, zh, en, "全部网格", "All grids", can),
            Role.Shopkeeper when grant.ShopId is { } shop => new RoleCard(role, zh, en,
                $"商家：{grant.ShopName ?? $"#{shop}"}", $"Shop: {grant.ShopName ?? $"#{shop}"}", can),
            _ => new RoleCard(role, zh, en, null, null, can),
        };
    }
}
