using PointsBank.Ledger;

namespace PointsBank.Pages;

/// <summary>
/// The month-end rule the rankings and the township pages share: during a month's first <see cref="Days"/> days they
/// open on the month before, whose figures are then complete (month-end work: publishing it, handing it upward).
/// </summary>
public static class MonthEnd
{
    /// <summary>The first days of a month in which those pages open on the month before.</summary>
    public const int Days = 10;

    /// <summary>The month before the one <paramref name="day"/> lies in, as <c>yyyy-MM</c>.</summary>
    public static string MonthBefore(DateOnly day) => Projections.Month(new DateOnly(day.Year, day.Month, 1).AddDays(-1));
}
