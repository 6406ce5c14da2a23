using System.Globalization;
using PointsBank.Identity;

namespace PointsBank.Features.Communities;

/// <summary>
/// Residents' full names and phone numbers are personal data: only the committee and admins of the community (and
/// system administrators and the command line) see them. Every other view, in the API, on pages, on the public card
/// page and at the shop counter, shows the masked name and no phone.
/// </summary>
public static class PersonalData
{
    /// <summary>
    /// Keeps the first and last character and puts one <c>*</c> in place of everything between: 张三明 → 张*明,
    /// 欧阳娜娜 → 欧*娜, John Smith → J*h. Two characters keep the first (张三 → 张*); one becomes <c>*</c>. A single
    /// star whatever the length, so the mask does not tell how long the name is. Characters are user-perceived
    /// characters (text elements), so a name with a character outside the basic plane is not cut in half.
    /// </summary>
    public static string MaskName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return "";
        }
        var characters = new List<string>();
        var elements = StringInfo.GetTextElementEnumerator(trimmed);
        while (elements.MoveNext())
        {
            characters.Add(elements.GetTextElement());
        }
        return characters.Count switch
        {
            1 => "*",
            2 => characters[0] + "*",
            _ => characters[0] + "*" + characters[^1],
        };
    }

    /// <summary>Whether the caller may see residents' full names and phone numbers in this community.</summary>
    public static bool Visible(Caller caller, long communityId) =>
        caller.Kind == CallerKind.System
        || caller.IsSystemAdmin
        || Roles.SeePersonalData.Any(role => caller.Holds(communityId, role));
}
