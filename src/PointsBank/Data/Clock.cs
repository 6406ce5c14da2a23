namespace PointsBank.Data;

public static class Clock
{
    /// <summary>
    /// Now in UTC, truncated to whole milliseconds: the precision both engines store (SQLite text, SQL Server
    /// datetime2(3)), so a time read back equals the time written and hashed.
    /// </summary>
    public static DateTime Now(TimeProvider clock) => Truncate(clock.GetUtcNow().UtcDateTime);

    public static DateTime Truncate(DateTime utc) =>
        new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    /// <summary>Times come back from either engine with an unspecified kind; they are always UTC.</summary>
    public static DateTime AsUtc(DateTime stored) => DateTime.SpecifyKind(stored, DateTimeKind.Utc);
}
