using System.Globalization;
using System.Text;
using PointsBank.Features.Communities;

namespace PointsBank.Features.Rankings;

/// <summary>What a ranking ranks: households (户) or residents (个人).</summary>
public static class RankedBy
{
    public const string Household = "household";
    public const string Person = "person";

    public static bool IsKnown(string? by) => by is Household or Person;
}

/// <summary>
/// One month's points of one member account and (in household mode) one member of it, summed over the categories the
/// ranking counts: what the monthly aggregates hold, or what the journal gives up to a chain head.
/// </summary>
public sealed record RankingAggregate(string AccountKind, long AccountId, long? HouseholdId, long? ResidentId, long MemberId,
    long Earned, long Deducted, long VolunteerMinutes);

/// <summary>The roster facts a ranking row shows: a household's door-plate code and grid, a resident's name and household.</summary>
public sealed record RankingRoster(
    IReadOnlyDictionary<long, (string Code, long? GridId)> Households,
    IReadOnlyDictionary<long, (string FullName, long? HouseholdId)> Residents);

/// <summary>
/// One line of a ranking. <see cref="Points"/> is earned less deducted in the month; ties share a rank (1, 2, 2, 4).
/// <see cref="AccountId"/> is the account the points are on: the household's or the person's own, or null for a
/// household ranked in a community that keeps points per person (its points are on its residents' accounts).
/// </summary>
public sealed record RankingRow(int Rank, string SubjectKind, long SubjectId, long? AccountId, string HouseholdCode, string MaskedName,
    long? GridId, long Earned, long Deducted, long Points, long VolunteerMinutes);

/// <summary>
/// One line of the 红黑榜's deductions list: a household or resident (door-plate code, masked name) with the points
/// deducted from it in the month (a positive number; reversed deductions are out of it already).
/// </summary>
public sealed record DeductionRow(string SubjectKind, long SubjectId, string HouseholdCode, string MaskedName, long? GridId, long Deducted);

/// <summary>
/// The ranking rule, one pure function both the live ranking and verification use: subjects are households or
/// residents (a household's points in a per-person community are its residents' sum; a resident's in a per-household
/// community are the entries recorded for them as the member, entries with no member are in no person's row); a
/// subject is listed when it earned, lost or volunteered anything in the month; order is points descending, and inside
/// a tie the subject's id ascending (the household or resident registered first comes first), so the order never
/// depends on the database. Rank is 1 + the number of subjects with more points.
/// </summary>
public static class Ranking
{
    public static IReadOnlyList<RankingRow> Rank(IEnumerable<RankingAggregate> aggregates, string by, RankingRoster roster, long? gridId = null)
    {
        var subjects = new Dictionary<long, (long? AccountId, long Earned, long Deducted, long Minutes)>();
        foreach (var a in aggregates)
        {
            long? subject;
            long? account;
            if (by == RankedBy.Household)
            {
                (subject, account) = a.AccountKind == "household"
                    ? (a.HouseholdId, a.AccountId)
                    : (a.ResidentId is { } r && roster.Residents.TryGetValue(r, out var resident) ? resident.HouseholdId : null, (long?)null);
            }
            else
            {
                (subject, account) = a.AccountKind == "person" ? (a.ResidentId, a.AccountId) : (a.MemberId == 0 ? null : a.MemberId, a.AccountId);
            }
            if (subject is not { } id)
            {
                continue;
            }
            var sum = subjects.GetValueOrDefault(id);
            subjects[id] = (sum.AccountId ?? account, checked(sum.Earned + a.Earned), checked(sum.Deducted + a.Deducted), checked(sum.Minutes + a.VolunteerMinutes));
        }

        var rows = new List<RankingRow>();
        foreach (var (id, s) in subjects)
        {
            if (s.Earned == 0 && s.Deducted == 0 && s.Minutes == 0)
            {
                continue;
            }
            var (code, name, grid) = Describe(by, id, roster);
            if (gridId is { } wanted && grid != wanted)
            {
                continue;
            }
            rows.Add(new RankingRow(0, by, id, s.AccountId, code, name, grid, s.Earned, s.Deducted, checked(s.Earned - s.Deducted), s.Minutes));
        }
        rows.Sort((x, y) => y.Points != x.Points ? y.Points.CompareTo(x.Points) : x.SubjectId.CompareTo(y.SubjectId));
        var ranked = new List<RankingRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var rank = i > 0 && rows[i].Points == rows[i - 1].Points ? ranked[i - 1].Rank : i + 1;
            ranked.Add(rows[i] with { Rank = rank });
        }
        return ranked;
    }

    /// <summary>
    /// The 红黑榜's deductions list from a month's ranking rows: every subject with points deducted in the month, most
    /// deducted first, inside a tie the subject's id ascending (the same deterministic order as the board's ties).
    /// </summary>
    public static IReadOnlyList<DeductionRow> Deductions(IEnumerable<RankingRow> rows) =>
        [.. rows.Where(r => r.Deducted > 0)
            .OrderByDescending(r => r.Deducted).ThenBy(r => r.SubjectId)
            .Select(r => new DeductionRow(r.SubjectKind, r.SubjectId, r.HouseholdCode, r.MaskedName, r.GridId, r.Deducted))];

    private static (string Code, string MaskedName, long? GridId) Describe(string by, long id, RankingRoster roster)
    {
        if (by == RankedBy.Household)
        {
            return roster.Households.TryGetValue(id, out var h) ? (h.Code, "", h.GridId) : ("", "", null);
        }
        if (!roster.Residents.TryGetValue(id, out var r))
        {
            return ("", "", null);
        }
        var household = r.HouseholdId is { } hid && roster.Households.TryGetValue(hid, out var hh) ? hh : ("", (long?)null);
        return (household.Item1, PersonalData.MaskName(r.FullName), household.Item2);
    }
}

/// <summary>
/// The canonical bytes of a published row, the leaves of the snapshot's Merkle tree (docs/rankings.md, "Canonical
/// row"): UTF-8 of twelve fields joined by one TAB (0x09), no line end —
/// <c>pbrank1, communityId, month, rankedBy, rank, subjectKind, subjectId, householdCode, maskedName, gridId, points,
/// volunteerMinutes</c>; integers in decimal with a leading '-' when negative, an absent grid as the empty field.
/// Stored text never holds a control character (<see cref="Data.StoredText"/>), so TAB cannot occur inside a field
/// and the form reads back unambiguously; a field that did hold one is refused rather than hashed.
/// </summary>
public static class CanonicalRow
{
    public const string Version = "pbrank1";

    public static string Text(long communityId, string month, string rankedBy, int rank, string subjectKind, long subjectId,
        string householdCode, string maskedName, long? gridId, long points, long volunteerMinutes)
    {
        string[] fields =
        [
            Version, Number(communityId), month, rankedBy, Number(rank), subjectKind, Number(subjectId), householdCode, maskedName,
            gridId is { } g ? Number(g) : "", Number(points), Number(volunteerMinutes),
        ];
        foreach (var field in fields)
        {
            if (field.Any(char.IsControl))
            {
                throw new ArgumentException($"a ranking field holds a control character: {field}");
            }
        }
        return string.Join('\t', fields);
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
