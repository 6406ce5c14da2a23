namespace PointsBank.Identity;

/// <summary>What a user may do in a community. One user may hold several roles in several communities.</summary>
public enum Role
{
    /// <summary>管理员: sets up the community, its users and keys. Without a community: administrator of the installation.</summary>
    Admin,

    /// <summary>村(居)委会/两委: runs the scheme — roster, points, corrections, rules, rankings; sees personal data.</summary>
    Committee,

    /// <summary>评议员/审核员: reviews claims.</summary>
    Reviewer,

    /// <summary>网格员: inspections and good deeds, optionally limited to some grids.</summary>
    Inspector,

    /// <summary>志愿活动组织者: volunteer activities and service records.</summary>
    Organizer,

    /// <summary>超市/爱心商家店员: redemptions at the counter of one shop.</summary>
    Shopkeeper,

    /// <summary>
    /// 镇/街道: a township or county office, granted on each community it oversees; reads the township summary of those
    /// communities (totals only) and nothing else — not even the staff reads (<see cref="Roles.Staff"/>), no personal data.
    /// </summary>
    Township,
}

public static class Roles
{
    public static readonly IReadOnlyList<Role> All = Enum.GetValues<Role>();

    /// <summary>
    /// The roles of a community's own staff, whom <c>[AnyStaff]</c> admits: every role but <see cref="Role.Township"/>,
    /// which reads only the township summary (least privilege: the staff reads list households and residents).
    /// </summary>
    public static readonly IReadOnlyList<Role> Staff = [.. All.Where(r => r != Role.Township)];

    /// <summary>Roles that may see residents' full names and phone numbers.</summary>
    public static readonly IReadOnlyList<Role> SeePersonalData = [Role.Committee, Role.Admin];

    public static string ToDb(this Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? value, out Role role) =>
        Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(value, out _);
}
