using System.Data.Common;
using System.Globalization;
using Dapper;
using PointsBank.Data;
using PointsBank.Ledger;

namespace PointsBank.Features.Communities;

/// <summary>
/// Now in one community's own time zone (<c>communities.time_zone</c>): its today, its month, whether a month is over,
/// and instants as its people read them. Months, days and rankings are the community's (DESIGN.md), so a page never
/// assumes a zone of its own: it gets this from <see cref="CommunityClock"/>.
/// </summary>
public sealed record CommunityTime(TimeZoneInfo Zone, DateTime NowUtc)
{
    public const string MinuteFormat = "yyyy-MM-dd HH:mm";

    public DateOnly Today => Projections.LocalDate(NowUtc, Zone);

    /// <summary>Today as a form's date value (<c>yyyy-MM-dd</c>).</summary>
    public string TodayText => Today.ToString(Projections.DateFormat, CultureInfo.InvariantCulture);

    /// <summary>This month (<c>yyyy-MM</c>).</summary>
    public string ThisMonth => Projections.Month(NowUtc, Zone);

    /// <summary>Whether <paramref name="month"/> (<c>yyyy-MM</c>) has ended here, so it may be published or closed.</summary>
    public bool IsOver(string month) => string.CompareOrdinal(month, ThisMonth) < 0;

    /// <summary>The local day of an instant.</summary>
    public DateOnly Day(DateTime utc) => Projections.LocalDate(utc, Zone);

    /// <summary>An instant in the community's time, as the pages show it (to the minute unless a format says otherwise); "" for none.</summary>
    public string Local(DateTime? utc, string format = MinuteFormat) => utc is { } at
        ? TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc), Zone).ToString(format, CultureInfo.InvariantCulture)
        : "";

    /// <summary>A local day and time typed on a form (<c>yyyy-MM-dd</c>, <c>HH:mm</c>), as an instant; null when either does not parse.</summary>
    public DateTimeOffset? Instant(string? day, string? time) =>
        DateOnly.TryParseExact(day, Projections.DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
        && TimeOnly.TryParseExact(time, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(d.ToDateTime(t), Zone), TimeSpan.Zero)
            : null;

    /// <summary>
    /// The zone as people name it: China's one zone (<c>Asia/Shanghai</c> and its old aliases) is 北京时间; any other is
    /// its id with its offset now, e.g. <c>Asia/Urumqi（UTC+6）</c>.
    /// </summary>
    public (string Zh, string En) ZoneName
    {
        get
        {
            if (Zone.Id is "Asia/Shanghai" or "Asia/Chongqing" or "Asia/Chungking" or "Asia/Harbin" or "PRC")
            {
                return ("北京时间", "Beijing time");
            }
            var offset = Zone.GetUtcOffset(NowUtc);
            var text = (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(offset.Minutes == 0 ? "%h" : @"h\:mm", CultureInfo.InvariantCulture);
            return ($"{Zone.Id}（UTC{text}）", $"{Zone.Id} (UTC{text})");
        }
    }

    /// <summary>Now in the zone <paramref name="timeZone"/> names (a stored <c>time_zone</c>).</summary>
    public static CommunityTime Of(string timeZone, DateTime nowUtc) => new(Projections.Zone(timeZone), nowUtc);

    /// <summary>The zone of the community a unit of work has locked (a handler's writes always have one).</summary>
    public static TimeZoneInfo ZoneOf(UnitOfWork work) =>
        Projections.Zone(work.Community?.TimeZone ?? throw new InvalidOperationException("the unit of work has locked no community"));
}

/// <summary>
/// Reads a community's time zone once per request (scoped; one primary-key query per community asked about, none when
/// the page asks again) and answers its <see cref="CommunityTime"/> at the request's clock. There is no cache across
/// requests, so a changed <c>time_zone</c> shows on the next page. A community that does not exist gets UTC: the
/// page's own requests say it was not found, and nothing is computed from that time.
/// </summary>
public sealed class CommunityClock(DbDataSource db, TimeProvider clock)
{
    private const string Select = "SELECT time_zone FROM communities WHERE id = @communityId";

    private readonly Dictionary<long, CommunityTime> _read = [];

    public async Task<CommunityTime> ForAsync(long communityId, CancellationToken ct)
    {
        if (_read.TryGetValue(communityId, out var known))
        {
            return known;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var zone = await connection.ExecuteScalarAsync<string>(new CommandDefinition(Select, new { communityId }, cancellationToken: ct));
        var time = zone is null ? new CommunityTime(TimeZoneInfo.Utc, Clock.Now(clock)) : CommunityTime.Of(zone, Clock.Now(clock));
        _read[communityId] = time;
        return time;
    }
}
