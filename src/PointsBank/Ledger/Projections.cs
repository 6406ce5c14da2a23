using System.Globalization;

namespace PointsBank.Ledger;

public readonly record struct AggregateKey(long AccountId, long MemberId, string Category, string Month);

public sealed class AggregateDelta
{
    public long Earned;
    public long Deducted;
    public long Redeemed;
    public long VolunteerMinutes;

    public bool IsZero => Earned == 0 && Deducted == 0 && Redeemed == 0 && VolunteerMinutes == 0;

    /// <summary>Adds another delta: how a month's total over its categories is the sum of the categories' aggregates.</summary>
    public void Add(AggregateDelta other)
    {
        Earned = checked(Earned + other.Earned);
        Deducted = checked(Deducted + other.Deducted);
        Redeemed = checked(Redeemed + other.Redeemed);
        VolunteerMinutes = checked(VolunteerMinutes + other.VolunteerMinutes);
    }

    public bool SameAs(AggregateDelta other) =>
        Earned == other.Earned && Deducted == other.Deducted && Redeemed == other.Redeemed && VolunteerMinutes == other.VolunteerMinutes;
}

/// <summary>
/// How a posting moves the monthly aggregates. Both the posting path and <c>verify</c> use these rules, so the
/// projection and its recomputation can only differ when the stored data was changed.
/// </summary>
public static class Projections
{
    public const string MonthFormat = "yyyy-MM";
    public const string DateFormat = "yyyy-MM-dd";

    public static string Month(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone)
            .ToString(MonthFormat, CultureInfo.InvariantCulture);

    public static string Month(DateOnly date) => date.ToString(MonthFormat, CultureInfo.InvariantCulture);

    /// <summary>The local day of a UTC instant in the community's time zone.</summary>
    public static DateOnly LocalDate(DateTime utc, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone));

    /// <summary>
    /// The day a transaction belongs to: its effective date, or for a transaction written before effective dates
    /// existed, the local day it was posted.
    /// </summary>
    public static DateOnly EffectiveDate(LedgerTransaction tx, TimeZoneInfo zone) => tx.EffectiveDate ?? LocalDate(tx.OccurredAt, zone);

    /// <summary>The month a transaction's aggregates count in: the month of its effective date.</summary>
    public static string Month(LedgerTransaction tx, TimeZoneInfo zone) => Month(EffectiveDate(tx, zone));

    public static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    /// <summary>
    /// Adds one posting's effect. <paramref name="effectiveKind"/> is the transaction's kind, or for a reversal the
    /// kind of the transaction it reverses (so reversing an award lowers "earned"); <paramref name="sign"/> is −1
    /// for a reversal, which takes volunteer minutes back.
    /// Award and adjust count as earned; deduct as deducted; redeem as redeemed; expire, and an adjust of category
    /// <see cref="Categories.Transfer"/> (赠送: points moved between residents, not earned), count nowhere.
    /// </summary>
    public static void Apply(AggregateDelta delta, TransactionKind effectiveKind, string category, long amount, int? minutes, int sign)
    {
        switch (effectiveKind)
        {
            case TransactionKind.Adjust when category == Categories.Transfer:
                break;
            case TransactionKind.Award:
            case TransactionKind.Adjust:
                delta.Earned = checked(delta.Earned + amount);
                break;
            case TransactionKind.Deduct:
                delta.Deducted = checked(delta.Deducted - amount);
                break;
            case TransactionKind.Redeem:
                delta.Redeemed = checked(delta.Redeemed - amount);
                break;
        }
        if (minutes is { } m)
        {
            delta.VolunteerMinutes = checked(delta.VolunteerMinutes + sign * m);
        }
    }
}
