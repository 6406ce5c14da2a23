using PointsBank.Features.Communities;
using PointsBank.Features.Volunteers;

namespace PointsBank.Tests.Features.Communities;

/// <summary>
/// <see cref="CommunityTime"/> at 2026-11-30 17:00 UTC, the hour when Shanghai (UTC+8) is already in December and
/// Ürümqi (UTC+6) still in November: each zone's today, month, month-over test, shown time and typed time; and the
/// volunteer-records CSV writing a record's times in its community's zone.
/// </summary>
public sealed class CommunityTimeTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 17, 0, 0, DateTimeKind.Utc);

    [Test]
    public void TodayMonthAndMonthOver_AreEachZonesOwn()
    {
        var shanghai = CommunityTime.Of("Asia/Shanghai", Now);
        var urumqi = CommunityTime.Of("Asia/Urumqi", Now);

        Assert.That((shanghai.TodayText, shanghai.ThisMonth, shanghai.IsOver("2026-11")), Is.EqualTo(("2026-12-01", "2026-12", true)));
        Assert.That((urumqi.TodayText, urumqi.ThisMonth, urumqi.IsOver("2026-11")), Is.EqualTo(("2026-11-30", "2026-11", false)));
        Assert.That(urumqi.IsOver("2026-10"), Is.True);
        Assert.That(shanghai.IsOver("2026-12"), Is.False);
    }

    [TestCase("Asia/Shanghai", "北京时间", "Beijing time")]
    [TestCase("Asia/Urumqi", "Asia/Urumqi（UTC+6）", "Asia/Urumqi (UTC+6)")]
    [TestCase("Asia/Kolkata", "Asia/Kolkata（UTC+5:30）", "Asia/Kolkata (UTC+5:30)")]
    [TestCase("America/New_York", "America/New_York（UTC-5）", "America/New_York (UTC-5)")]
    public void ZoneName_IsBeijingTimeForChina_AndTheOffsetOtherwise(string zone, string zh, string en) =>
        Assert.That(CommunityTime.Of(zone, Now).ZoneName, Is.EqualTo((zh, en)));

    [Test]
    public void InstantsShownAndTyped_AreInTheZone_BothWays()
    {
        var urumqi = CommunityTime.Of("Asia/Urumqi", Now);

        Assert.That(urumqi.Local(Now), Is.EqualTo("2026-11-30 23:00"));
        Assert.That(CommunityTime.Of("Asia/Shanghai", Now).Local(Now, "HH:mm"), Is.EqualTo("01:00"));
        Assert.That(urumqi.Local(null), Is.Empty);
        Assert.That(urumqi.Day(Now), Is.EqualTo(new DateOnly(2026, 11, 30)));
        Assert.That(urumqi.Instant("2026-11-30", "23:00"), Is.EqualTo(new DateTimeOffset(Now, TimeSpan.Zero)));
        Assert.That(urumqi.Instant("2026-11-31", "23:00"), Is.Null);
    }

    [Test]
    public void TheVolunteerRecordsCsv_WritesTimesInTheCommunitysZone()
    {
        var record = new ServiceRecordView(1, 2, "V1", 3, "张三", 4, "敬老院探访", new DateOnly(2026, 11, 30), "敬老院", "打扫", Now, Now.AddHours(2),
            120, 120, "attendance", "recorded", "user:org", Now, null, null, null, null, null, null, null);
        var volunteer = new VolunteerView(2, 3, "张三", "V1", null, new DateOnly(2026, 1, 1), "同意", 0, "0", 0, "", 100);

        var table = new VolunteerRecordsView("西部村", volunteer, [record], "Asia/Urumqi").ToCsv();

        var row = table.Rows[0];
        Assert.That(row, Does.Contain("2026-11-30 23:00").And.Contain("2026-12-01 01:00"), "start and end at UTC+6");
    }
}
