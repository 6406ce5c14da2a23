using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Volunteers;
using PointsBank.Identity;
using PointsBank.Rules;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Volunteers;

/// <summary>The pure counting rules: the rounding table and the per-activity cap, in the community's time zone.</summary>
public sealed class ServiceTimeTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly RuleFormula DefaultVolunteerRule = RuleFormula.PerHour(1, maxHours: 2);

    [TestCase(0, 0)]
    [TestCase(10, 0)]
    [TestCase(15, 0)]
    [TestCase(16, 30)]
    [TestCase(30, 30)]
    [TestCase(45, 30)]
    [TestCase(46, 60)]
    [TestCase(60, 60)]
    [TestCase(75, 60)]
    [TestCase(76, 90)]
    [TestCase(106, 120)]
    [TestCase(120, 120)]
    [TestCase(150, 120)]
    [TestCase(600, 120)]
    public void Minutes_CountByTheTable_CappedAtTwoHours(int actual, int counted)
    {
        var start = new DateTime(2026, 11, 30, 2, 0, 0, DateTimeKind.Utc);

        var time = ServiceTime.Count(start, start.AddMinutes(actual), DefaultVolunteerRule, Shanghai);

        Assert.That(time.ActualMinutes, Is.EqualTo(actual));
        Assert.That(time.CountedMinutes, Is.EqualTo(counted));
    }

    [TestCase(23, 40, 50, 60)]
    [TestCase(23, 0, 150, 120)]
    [TestCase(23, 50, 20, 30)]
    public void AcrossMidnight_InShanghai_TheServiceDayIsTheStartsDay(int hour, int minute, int actual, int counted)
    {
        // 23:40 on 30 November in Shanghai is 15:40 UTC the same day; the service ends after local midnight.
        var start = new DateTimeOffset(2026, 11, 30, hour, minute, 0, TimeSpan.FromHours(8)).UtcDateTime;

        var time = ServiceTime.Count(start, start.AddMinutes(actual), DefaultVolunteerRule, Shanghai);

        Assert.That(time.ServiceDate, Is.EqualTo(new DateOnly(2026, 11, 30)));
        Assert.That((time.ActualMinutes, time.CountedMinutes), Is.EqualTo((actual, counted)));
    }

    [Test]
    public void ShortlyAfterMidnight_InShanghai_IsTheNextDay_ThoughUtcIsStillTheDayBefore()
    {
        var start = new DateTimeOffset(2026, 12, 1, 0, 10, 0, TimeSpan.FromHours(8)).UtcDateTime;

        Assert.That(ServiceTime.Count(start, start.AddMinutes(60), DefaultVolunteerRule, Shanghai).ServiceDate, Is.EqualTo(new DateOnly(2026, 12, 1)));
        Assert.That(start.Day, Is.EqualTo(30));
    }

    [TestCase(100 * 60 - 1, 0)]
    [TestCase(100 * 60, 1)]
    [TestCase(300 * 60 - 1, 1)]
    [TestCase(300 * 60, 2)]
    [TestCase(600 * 60, 3)]
    [TestCase(1000 * 60, 4)]
    [TestCase(1500 * 60 - 1, 4)]
    [TestCase(1500 * 60, 5)]
    public void StarLevel_ChangesExactlyAtTheDefaultThresholds(int minutes, int level) =>
        Assert.That(StarLevels.Level(minutes, StarLevels.DefaultHours), Is.EqualTo(level));
}

/// <summary>
/// Volunteer service through the real host with a clock the test sets: attendance by card, refusals, certification
/// posting once per record, nobody certifying their own service, corrections, star levels.
/// </summary>
public abstract class VolunteerServiceTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private readonly FakeClock _clock = new(DateTimeOffset.UtcNow);
    private AppFactory _app = null!;
    private long _community;
    private HttpClient _organizer = null!;
    private HttpClient _committee = null!;
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider, _clock);
        _community = await _app.DemoCommunityAsync();
        _organizer = await _app.ClientAsAsync("organizer");
        _committee = await _app.ClientAsAsync("committee");
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        _organizer.Dispose();
        _committee.Dispose();
        await _app.DisposeAsync();
    }

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    /// <summary>A local time in Shanghai, <paramref name="days"/> days after today (each test its own days: the clock only moves forward within a test).</summary>
    private static DateTimeOffset Local(int days, int hour, int minute = 0)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        return new DateTimeOffset(today.AddDays(days).ToDateTime(new TimeOnly(hour, minute)), China);
    }

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("tests");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private sealed record Volunteer(long Resident, long Account, string Token, long CardId);

    /// <summary>A household with an account and a card (PIN 2468), and one resident registered as a volunteer.</summary>
    private async Task<Volunteer> NewVolunteerAsync(long? userId = null)
    {
        var household = (await Cli(new AddHousehold(_community, null, $"志愿-{Guid.NewGuid():N}"[..12]))).Value!.HouseholdId;
        var resident = (await Cli(new AddResident(_community, household, "志愿者甲"))).Value!.ResidentId;
        var account = (await Cli(new OpenAccount(_community, "household", household))).Value!.AccountId;
        var card = (await Cli(new IssueCard(_community, account))).Value!;
        Assert.That((await Cli(new SetCardPin(_community, card.CardId, "2468"))).Failure, Is.Null);
        var enrolled = await _committee.PostAsJsonAsync(Api("/volunteers"),
            new { residentId = resident, consentNote = "本人书面同意记录志愿服务信息", consentedOn = "2026-11-01", userId });
        Assert.That(enrolled.StatusCode, Is.EqualTo(HttpStatusCode.Created), await enrolled.Content.ReadAsStringAsync());
        return new Volunteer(resident, account, IssuedCards.TokenOf(card), card.CardId);
    }

    private async Task<long> NewActivityAsync(DateTimeOffset start, DateTimeOffset end, string title = "清扫村道", string ruleCode = "volunteer_service")
    {
        var response = await _organizer.PostAsJsonAsync(Api("/activities"), new
        {
            title, content = "清扫主干道落叶", place = "村委会门口", startsAt = start, endsAt = end, ruleCode, open = true,
        });
        var body = await Json(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        return body.GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<(HttpStatusCode Status, JsonElement Body)> ScanAsync(long activity, Volunteer volunteer, string action, HttpClient? client = null)
    {
        var response = await (client ?? _organizer).PostAsJsonAsync(Api($"/activities/{activity}/attendance"), new { cardToken = volunteer.Token, action });
        return (response.StatusCode, await Json(response));
    }

    private async Task<JsonElement> PostOkAsync(HttpClient client, string path, object? body = null)
    {
        var response = await client.PostAsJsonAsync(Api(path), body ?? new { });
        var json = await Json(response);
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), json.ToString());
        return json;
    }

    private Task<long> CountAsync(string sql, object args) => _app.ScalarAsync<long>(sql, args);

    private Task<long> BalanceAsync(long account) => CountAsync("SELECT COALESCE(SUM(amount), 0) FROM ledger_postings WHERE account_id = @account", new { account });

    [Test]
    public async Task CheckInAndOut_AcrossMidnight_CountsByTheTable_CertifiesOnTheServiceDay_WithThePoints()
    {
        var (a, b) = (await NewVolunteerAsync(), await NewVolunteerAsync());
        var activity = await NewActivityAsync(Local(1, 23, 0), Local(2, 2, 0), "除夕守夜巡逻");
        _clock.Set(Local(1, 23, 0));
        Assert.That((await ScanAsync(activity, a, "checkIn")).Status, Is.EqualTo(HttpStatusCode.OK));
        _clock.Set(Local(1, 23, 40));
        Assert.That((await ScanAsync(activity, b, "checkIn")).Status, Is.EqualTo(HttpStatusCode.OK));

        _clock.Set(Local(2, 0, 30));
        var outB = await ScanAsync(activity, b, "checkOut");
        _clock.Set(Local(2, 1, 30));
        var outA = await ScanAsync(activity, a, "checkOut");

        Assert.That(outB.Status, Is.EqualTo(HttpStatusCode.OK), outB.Body.ToString());
        Assert.That((outB.Body.GetProperty("actualMinutes").GetInt32(), outB.Body.GetProperty("countedMinutes").GetInt32()), Is.EqualTo((50, 60)));
        Assert.That((outA.Body.GetProperty("actualMinutes").GetInt32(), outA.Body.GetProperty("countedMinutes").GetInt32()), Is.EqualTo((150, 120)));

        _clock.Set(Local(2, 9, 0));
        await PostOkAsync(_organizer, $"/activities/{activity}/close");
        var certified = await PostOkAsync(_organizer, $"/activities/{activity}/certify");

        var records = certified.GetProperty("certified").EnumerateArray().ToList();
        Assert.That(records, Has.Count.EqualTo(2));
        var serviceDay = Local(1, 23, 0).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(records.Select(r => r.GetProperty("serviceDate").GetString()), Is.All.EqualTo(serviceDay));
        Assert.That(await BalanceAsync(a.Account), Is.EqualTo(2), "2 hours (capped) × 1 point");
        Assert.That(await BalanceAsync(b.Account), Is.EqualTo(1), "50 minutes count as 1 hour");
        Assert.That(await _app.ScalarAsync<string>("SELECT effective_date FROM ledger_transactions WHERE idempotency_key = @k",
            new { k = $"service-record-{records[0].GetProperty("id").GetInt64()}" }), Does.StartWith(serviceDay));
        var explanation = await _app.ScalarAsync<string>("SELECT explanation FROM ledger_transactions WHERE idempotency_key = @k",
            new { k = $"service-record-{records[0].GetProperty("id").GetInt64()}" });
        Assert.That(explanation, Does.Contain("志愿服务").And.Contain("志愿服务记录 #"));
    }

    [Test]
    public async Task Refusals_OutsideTheWindow_TwiceIn_OutWithoutIn_AndOverlapAcrossTwoActivities_ChangeNothing()
    {
        var v = await NewVolunteerAsync();
        var first = await NewActivityAsync(Local(3, 9, 0), Local(3, 11, 0), "敬老院探访");
        var second = await NewActivityAsync(Local(3, 10, 0), Local(3, 12, 0), "图书角整理");
        string Code((HttpStatusCode Status, JsonElement Body) r) => r.Body.GetProperty("code").GetString()!;

        _clock.Set(Local(3, 8, 0));
        Assert.That(Code(await ScanAsync(first, v, "checkIn")), Is.EqualTo("outside_activity_window"));
        _clock.Set(Local(3, 8, 45));
        Assert.That(Code(await ScanAsync(first, v, "checkOut")), Is.EqualTo("not_checked_in"));
        Assert.That((await ScanAsync(first, v, "checkIn")).Status, Is.EqualTo(HttpStatusCode.OK));
        _clock.Set(Local(3, 9, 5));
        var twice = await ScanAsync(first, v, "checkIn");
        Assert.That((twice.Status, Code(twice)), Is.EqualTo((HttpStatusCode.Conflict, "already_checked_in")));
        Assert.That(twice.Body.GetProperty("title").GetString(), Does.Contain("重复签到"));

        _clock.Set(Local(3, 10, 15));
        var elsewhere = await ScanAsync(second, v, "checkIn");
        Assert.That(Code(elsewhere), Is.EqualTo("service_overlap"), "checked in at the first activity still");

        _clock.Set(Local(3, 10, 30));
        Assert.That((await ScanAsync(first, v, "checkOut")).Status, Is.EqualTo(HttpStatusCode.OK));
        // A claim for the second activity over time the first one's record covers is refused too.
        var claim = await _organizer.PostAsJsonAsync(Api($"/activities/{second}/hour-claims"),
            new { startsAt = Local(3, 10, 0), endsAt = Local(3, 10, 30), note = "补报", residentId = v.Resident });
        Assert.That((await Json(claim)).GetProperty("code").GetString(), Is.EqualTo("service_overlap"));

        Assert.That(await CountAsync("SELECT COUNT(*) FROM volunteer_attendance WHERE activity_id = @second", new { second }), Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM volunteer_hour_claims WHERE activity_id = @second", new { second }), Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM service_records WHERE volunteer_id = (SELECT id FROM volunteers WHERE resident_id = @r)",
            new { r = v.Resident }), Is.EqualTo(1));

        // After the check-out the second activity takes them.
        Assert.That((await ScanAsync(second, v, "checkIn")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Certify_TwiceAndConcurrently_PostsOncePerRecord_AndHoursAndPointsAgreeWithTheRecords()
    {
        var volunteers = new[] { await NewVolunteerAsync(), await NewVolunteerAsync(), await NewVolunteerAsync() };
        var activity = await NewActivityAsync(Local(4, 14, 0), Local(4, 17, 0));
        _clock.Set(Local(4, 14, 0));
        foreach (var v in volunteers)
        {
            Assert.That((await ScanAsync(activity, v, "checkIn")).Status, Is.EqualTo(HttpStatusCode.OK));
        }
        for (var i = 0; i < volunteers.Length; i++)
        {
            _clock.Set(Local(4, 14, 0).AddMinutes(50 + i * 20));
            Assert.That((await ScanAsync(activity, volunteers[i], "checkOut")).Status, Is.EqualTo(HttpStatusCode.OK));
        }
        _clock.Set(Local(4, 18, 0));
        await PostOkAsync(_organizer, $"/activities/{activity}/close");

        using var second = await _app.ClientAsAsync("committee");
        var runs = await Task.WhenAll(
            _organizer.PostAsJsonAsync(Api($"/activities/{activity}/certify"), new { }),
            second.PostAsJsonAsync(Api($"/activities/{activity}/certify"), new { }));
        var again = await PostOkAsync(_organizer, $"/activities/{activity}/certify");

        Assert.That(runs.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        var certifiedNow = 0;
        foreach (var run in runs)
        {
            certifiedNow += (await Json(run)).GetProperty("certified").GetArrayLength();
        }
        Assert.That(certifiedNow, Is.EqualTo(3), "each record certified by exactly one of the two runs");
        Assert.That(again.GetProperty("certified").GetArrayLength(), Is.EqualTo(0));
        Assert.That(await CountAsync("""
            SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key IN
              (SELECT 'service-record-' || CAST(id AS TEXT) FROM service_records WHERE activity_id = @activity)
            """, new { activity }), Is.EqualTo(3));
        foreach (var v in volunteers)
        {
            var records = await Json(await _organizer.GetAsync(Api($"/volunteers/{v.Resident}/records")));
            var list = records.GetProperty("records").EnumerateArray().ToList();
            Assert.That(await BalanceAsync(v.Account), Is.EqualTo(list.Sum(r => r.GetProperty("points").GetInt64())));
            Assert.That(records.GetProperty("volunteer").GetProperty("cumulativeMinutes").GetInt64(),
                Is.EqualTo(list.Sum(r => r.GetProperty("countedMinutes").GetInt64())));
        }
        Assert.That(await BalanceAsync(volunteers[0].Account), Is.EqualTo(1));
        Assert.That(await BalanceAsync(volunteers[1].Account), Is.EqualTo(1), "70 minutes → 1 hour");
        Assert.That(await BalanceAsync(volunteers[2].Account), Is.EqualTo(1), "90 minutes → 1.5 hours → 1 whole point");
    }

    [Test]
    public async Task NobodyCertifiesOrConfirmsTheirOwnRecord()
    {
        var organizerUser = await CountAsync("SELECT id FROM users WHERE username = 'organizer'", new { });
        var self = await NewVolunteerAsync(userId: organizerUser);
        var other = await NewVolunteerAsync();
        var activity = await NewActivityAsync(Local(5, 9, 0), Local(5, 11, 0));
        _clock.Set(Local(5, 9, 0));
        await ScanAsync(activity, self, "checkIn");
        await ScanAsync(activity, other, "checkIn");
        _clock.Set(Local(5, 10, 0));
        await ScanAsync(activity, self, "checkOut");
        await ScanAsync(activity, other, "checkOut");
        _clock.Set(Local(5, 12, 0));
        await PostOkAsync(_organizer, $"/activities/{activity}/close");

        var byOrganizer = await PostOkAsync(_organizer, $"/activities/{activity}/certify");

        Assert.That(byOrganizer.GetProperty("certified").GetArrayLength(), Is.EqualTo(1));
        Assert.That(byOrganizer.GetProperty("leftOwnRecords").GetArrayLength(), Is.EqualTo(1));
        Assert.That(await BalanceAsync(self.Account), Is.EqualTo(0));
        var byCommittee = await PostOkAsync(_committee, $"/activities/{activity}/certify");
        Assert.That(byCommittee.GetProperty("certified").GetArrayLength(), Is.EqualTo(1));
        Assert.That(await BalanceAsync(self.Account), Is.EqualTo(1));

        // An hour claim of the organizer's own: the organizer may not confirm it; the committee may.
        var later = await NewActivityAsync(Local(5, 13, 0), Local(5, 15, 0));
        _clock.Set(Local(5, 16, 0));
        var claim = await PostOkAsync(_committee, $"/activities/{later}/hour-claims",
            new { startsAt = Local(5, 13, 0), endsAt = Local(5, 14, 0), note = "忘了扫码签到", residentId = self.Resident });
        var claimId = claim.GetProperty("id").GetInt64();
        var refused = await _organizer.PostAsJsonAsync(Api($"/hour-claims/{claimId}/confirm"), new { });
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Json(refused)).GetProperty("code").GetString(), Is.EqualTo("self_certification"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM volunteer_hour_claims WHERE id = @claimId AND status = 'submitted'", new { claimId }), Is.EqualTo(1));
        // The committee member who entered the claim may not confirm it either (dual control); the organizer's colleague
        // would — here the CLI operator stands in.
        var ownEntry = await _committee.PostAsJsonAsync(Api($"/hour-claims/{claimId}/confirm"), new { });
        Assert.That(ownEntry.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Cli(new ConfirmHourClaim(_community, claimId))).Failure, Is.Null);
    }

    [Test]
    public async Task ACorrection_KeepsTheOriginal_AddsTheNewRecord_AndThePointsEndRight()
    {
        var v = await NewVolunteerAsync();
        var activity = await NewActivityAsync(Local(6, 9, 0), Local(6, 12, 0));
        _clock.Set(Local(6, 9, 0));
        await ScanAsync(activity, v, "checkIn");
        _clock.Set(Local(6, 9, 50));
        await ScanAsync(activity, v, "checkOut");
        _clock.Set(Local(6, 13, 0));
        await PostOkAsync(_organizer, $"/activities/{activity}/close");
        var original = (await PostOkAsync(_organizer, $"/activities/{activity}/certify")).GetProperty("certified")[0].GetProperty("id").GetInt64();
        Assert.That(await BalanceAsync(v.Account), Is.EqualTo(1));

        // The volunteer, with the card and PIN: "I left at 11:00, the scanner was busy".
        using var anonymous = _app.CreateClient();
        var asked = await anonymous.PostAsJsonAsync(Api($"/records/{original}/corrections"),
            new { reason = "签退时扫码排队，实际 11:00 离开", endsAt = Local(6, 11, 0), cardToken = v.Token, pin = "2468" });
        var correction = (await Json(asked)).GetProperty("id").GetInt64();
        Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var accepted = await PostOkAsync(_organizer, $"/corrections/{correction}/decision", new { accept = true, reason = "经现场负责人核实" });

        var fresh = accepted.GetProperty("newRecordId").GetInt64();
        var records = (await Json(await _organizer.GetAsync(Api($"/volunteers/{v.Resident}/records")))).GetProperty("records").EnumerateArray().ToList();
        Assert.That(records.Select(r => (r.GetProperty("id").GetInt64(), r.GetProperty("status").GetString())),
            Is.EqualTo(new[] { (original, "superseded"), (fresh, "certified") }));
        Assert.That(records[0].GetProperty("actualMinutes").GetInt32(), Is.EqualTo(50), "the original keeps its facts");
        Assert.That(records[1].GetProperty("countedMinutes").GetInt32(), Is.EqualTo(120));
        Assert.That(records[1].GetProperty("supersedesId").GetInt64(), Is.EqualTo(original));
        Assert.That(await BalanceAsync(v.Account), Is.EqualTo(2), "+1, reversed −1, then +2");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = @k AND kind = 'reverse'",
            new { k = $"service-record-reversal-{original}" }), Is.EqualTo(1));

        // Nothing is edited in place: the database refuses to change a record's facts.
        Assert.CatchAsync<System.Data.Common.DbException>(() =>
            _app.ScalarAsync<long>("UPDATE service_records SET ends_at = starts_at WHERE id = @original; SELECT 1", new { original }));

        // A second request about the corrected record is refused; a rejection changes nothing.
        var again = await anonymous.PostAsJsonAsync(Api($"/records/{original}/corrections"),
            new { reason = "再改一次", cardToken = v.Token, pin = "2468" });
        Assert.That((await Json(again)).GetProperty("code").GetString(), Is.EqualTo("record_superseded"));
        var other = (await Json(await anonymous.PostAsJsonAsync(Api($"/records/{fresh}/corrections"),
            new { reason = "我觉得应该更长", endsAt = Local(6, 12, 0), cardToken = v.Token, pin = "2468" }))).GetProperty("id").GetInt64();
        var rejected = await PostOkAsync(_organizer, $"/corrections/{other}/decision", new { accept = false, reason = "签到表显示 11:00 离开" });
        Assert.That(rejected.GetProperty("status").GetString(), Is.EqualTo("rejected"));
        Assert.That(await BalanceAsync(v.Account), Is.EqualTo(2));
    }

    [Test]
    public async Task ACorrectionWithACard_IsForItsOwnRecordsOnly_AndAScannedCardMustBeActive_RefusalsWriteNothing()
    {
        var mine = await NewVolunteerAsync();
        var other = await NewVolunteerAsync();
        var activity = await NewActivityAsync(Local(8, 9, 0), Local(8, 12, 0));
        _clock.Set(Local(8, 9, 0));
        await ScanAsync(activity, mine, "checkIn");
        _clock.Set(Local(8, 10, 0));
        await ScanAsync(activity, mine, "checkOut");
        _clock.Set(Local(8, 13, 0));
        await PostOkAsync(_organizer, $"/activities/{activity}/close");
        var record = (await PostOkAsync(_organizer, $"/activities/{activity}/certify")).GetProperty("certified")[0].GetProperty("id").GetInt64();
        // The volunteer's card is replaced (lost): its old code is no card any more.
        var replaced = mine.Token;
        Assert.That((await Cli(new IssueCard(_community, mine.Account))).Failure, Is.Null);

        using var anonymous = _app.CreateClient();
        var notMine = await anonymous.PostAsJsonAsync(Api($"/records/{record}/corrections"),
            new { reason = "帮别人改时间", endsAt = Local(8, 11, 0), cardToken = other.Token, pin = "2468" });
        var scannedOld = await _organizer.PostAsJsonAsync(Api($"/records/{record}/corrections"),
            new { reason = "扫了旧卡", endsAt = Local(8, 11, 0), cardToken = replaced, pin = "2468" });

        Assert.That(notMine.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Json(notMine)).GetProperty("code").GetString(), Is.EqualTo("forbidden"));
        Assert.That((await Json(scannedOld)).GetProperty("code").GetString(), Is.EqualTo("card_not_found"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM service_record_corrections WHERE record_id = @record", new { record }), Is.Zero);
    }

    [Test]
    public async Task StarLevel_ChangesExactlyWhenCumulativeHoursCrossAThreshold()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var settings = await committee.PutAsJsonAsync(Api("/volunteer-settings"), new { starHours = new[] { 1, 3 } });
        Assert.That(settings.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        try
        {
            var v = await NewVolunteerAsync();
            async Task<JsonElement> Serve(int day, int minutes)
            {
                var activity = await NewActivityAsync(Local(day, 8, 0), Local(day, 11, 0));
                _clock.Set(Local(day, 8, 0));
                await ScanAsync(activity, v, "checkIn");
                _clock.Set(Local(day, 8, 0).AddMinutes(minutes));
                await ScanAsync(activity, v, "checkOut");
                _clock.Set(Local(day, 12, 0));
                await PostOkAsync(_organizer, $"/activities/{activity}/close");
                await PostOkAsync(_organizer, $"/activities/{activity}/certify");
                return (await Json(await _organizer.GetAsync(Api($"/volunteers/{v.Resident}/records")))).GetProperty("volunteer");
            }

            var halfHour = await Serve(7, 30);
            Assert.That((halfHour.GetProperty("cumulativeMinutes").GetInt64(), halfHour.GetProperty("starLevel").GetInt32()), Is.EqualTo((30L, 0)));
            var oneHour = await Serve(8, 30);
            Assert.That((oneHour.GetProperty("cumulativeMinutes").GetInt64(), oneHour.GetProperty("starLevel").GetInt32()), Is.EqualTo((60L, 1)));
            Assert.That(oneHour.GetProperty("starLevelZh").GetString(), Is.EqualTo("一星志愿者"));
            var almostThree = await Serve(9, 100);
            Assert.That((almostThree.GetProperty("cumulativeMinutes").GetInt64(), almostThree.GetProperty("starLevel").GetInt32()), Is.EqualTo((150L, 1)));
            var three = await Serve(10, 30);
            Assert.That((three.GetProperty("cumulativeMinutes").GetInt64(), three.GetProperty("starLevel").GetInt32()), Is.EqualTo((180L, 2)));
        }
        finally
        {
            await committee.PutAsJsonAsync(Api("/volunteer-settings"), new { starHours = new[] { 100, 300, 600, 1000, 1500 } });
        }
    }

    [Test]
    public async Task TheExport_ListsTheNationalFields_AsCsvAndAPrintablePage_AndIsNeverCalledACertificate()
    {
        var v = await NewVolunteerAsync();
        var activity = await NewActivityAsync(Local(11, 15, 0), Local(11, 17, 0), "垃圾分类宣传");
        _clock.Set(Local(11, 15, 0));
        await ScanAsync(activity, v, "checkIn");
        _clock.Set(Local(11, 16, 30));
        await ScanAsync(activity, v, "checkOut");
        _clock.Set(Local(11, 18, 0));
        await PostOkAsync(_organizer, $"/activities/{activity}/close");
        await PostOkAsync(_organizer, $"/activities/{activity}/certify");

        var csv = await _organizer.GetAsync(Api($"/volunteers/{v.Resident}/records?format=csv"));
        var text = await csv.Content.ReadAsStringAsync();
        Assert.That(csv.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        var header = text.Split('\n')[0];
        foreach (var field in new[] { "志愿者编号", "活动名称", "服务日期", "服务地点", "服务内容", "开始时间", "结束时间", "计入时长（小时）", "记录来源", "记录人", "证明人" })
        {
            Assert.That(header, Does.Contain(field));
        }
        Assert.That(text, Does.Contain("垃圾分类宣传").And.Contain("签到签退").And.Contain("1.5").And.Contain("user:organizer"));
        Assert.That(text, Does.Not.Contain("证明书"));

        using var page = await _app.PageClientAsync("organizer");
        var html = WebUtility.HtmlDecode(await page.GetStringAsync($"/volunteers/{_community}/records/{v.Resident}"));
        Assert.That(html, Does.Contain("不是志愿服务证明").And.Contain("垃圾分类宣传"));
        // 记录人/证明人 in words on the page (the CSV keeps the stored actor for the files): the organizer's display name.
        var organizerName = await _app.ScalarAsync<string>("SELECT display_name FROM users WHERE username = 'organizer'", new { });
        Assert.That(html, Does.Contain($">{organizerName}</td>").And.Not.Contain("user:organizer"));

        using var anonymous = _app.CreateClient();
        var month = Local(11, 15, 0).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var board = WebUtility.HtmlDecode(await anonymous.GetStringAsync($"/p/{_community}/volunteer-hours/{month}"));
        Assert.That(board, Does.Contain("志*甲").And.Not.Contain("志愿者甲"));
    }

    [Test]
    public async Task TheActivityPage_AndTheRecordsList_SayHowTheRuleTurnsHoursIntoPoints_AndACheckOutSaysWhatItEarns()
    {
        const string words = "计分办法：每满 1 小时记 1 分；不足 1 小时的零头：45 分钟以内不计分，超过 45 分钟按 1 小时算，记 1 分；每次最多计 2 小时（2 分）。例如服务 1.5 小时记 1 分。";
        var v = await NewVolunteerAsync();
        var activity = await NewActivityAsync(Local(14, 9, 0), Local(14, 12, 0));
        _clock.Set(Local(14, 9, 0));
        await ScanAsync(activity, v, "checkIn");
        _clock.Set(Local(14, 10, 30));
        using var page = await _app.PageClientAsync("organizer");
        var path = $"/volunteers/{_community}/activities/{activity}";

        var before = WebUtility.HtmlDecode(await page.GetStringAsync(path));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["code"] = v.Token, ["action"] = "checkOut", ["__RequestVerificationToken"] = AppFactory.Antiforgery(before),
        });
        var checkedOut = await page.PostAsync(path + "?handler=Scan", form);
        var after = WebUtility.HtmlDecode(await page.GetStringAsync(path));
        var records = WebUtility.HtmlDecode(await page.GetStringAsync($"/volunteers/{_community}/records/{v.Resident}"));

        Assert.That(before, Does.Contain(words));
        Assert.That(checkedOut.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(after, Does.Contain("签退成功，服务 90 分钟，计 1.5 小时，按细则可得 1 分（证明后入账）").And.Contain(words));
        Assert.That(records, Does.Contain("志愿服务（第 ").And.Contain("版）：每满 1 小时记 1 分；").And.Contain("例如服务 1.5 小时记 1 分。"));
    }

    [Test]
    public async Task TheRecordsList_ExplainsTheRulesOfItsOwnRecordsActivities_EachVersionOnce()
    {
        var twice = new RuleDefinition("test_volunteer_twice", "测试志愿服务（每小时 2 分）", "Test volunteer service (2 an hour)",
            PointsBank.Ledger.Categories.Volunteer, RuleFormula.PerHour(2, maxHours: 3), null, ["committee", "organizer"]);
        var unused = new RuleDefinition("test_volunteer_unused", "测试志愿服务（未用于本人）", "Test volunteer service (not theirs)",
            PointsBank.Ledger.Categories.Volunteer, RuleFormula.PerHour(3), null, ["committee", "organizer"]);
        await TestRules.EnsureAsync(_app.Services, _community, twice);
        await TestRules.EnsureAsync(_app.Services, _community, unused);
        var v = await NewVolunteerAsync();
        var other = await NewVolunteerAsync();
        // Two activities under volunteer_service, one under the second rule; another volunteer's under a third.
        var first = await NewActivityAsync(Local(23, 9), Local(23, 11), "整治河道");
        var second = await NewActivityAsync(Local(23, 13), Local(23, 15), "看望老人", twice.Code);
        var theirs = await NewActivityAsync(Local(23, 16), Local(23, 18), "另一位的活动", unused.Code);
        var third = await NewActivityAsync(Local(24, 9), Local(24, 11), "清扫村道");
        foreach (var (activity, who, day, hour) in new[] { (first, v, 23, 9), (second, v, 23, 13), (theirs, other, 23, 16), (third, v, 24, 9) })
        {
            _clock.Set(Local(day, hour));
            Assert.That((await ScanAsync(activity, who, "checkIn")).Status, Is.EqualTo(HttpStatusCode.OK));
            _clock.Set(Local(day, hour + 1));
            var (status, body) = await ScanAsync(activity, who, "checkOut");
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        }
        var service = (await Cli(new PointsBank.Features.Rules.GetRule(_community, "volunteer_service"))).Value!.Version;
        var twiceVersion = (await Cli(new PointsBank.Features.Rules.GetRule(_community, twice.Code))).Value!.Version;

        var view = (await Cli(new GetVolunteerRecords(_community, v.Resident))).Value!;

        Assert.That(view.Records, Has.Count.EqualTo(3));
        Assert.That(view.RuleVersions, Is.EqualTo(new[] { ("volunteer_service", service), (twice.Code, twiceVersion) }.Order().ToList()),
            "the rules of the volunteer's own records' activities, each version once");
        var json = await Json(await _organizer.GetAsync(Api($"/volunteers/{v.Resident}/records")));
        Assert.That(json.TryGetProperty("ruleVersions", out _), Is.False, "the JSON keeps its fields");

        using var page = await _app.PageClientAsync("organizer");
        var raw = await page.GetStringAsync($"/volunteers/{_community}/records/{v.Resident}");
        var html = WebUtility.HtmlDecode(raw);
        Assert.That(raw.Split("data-testid=\"hours-to-points\"").Length - 1, Is.EqualTo(2), "one line a rule version");
        Assert.That(html, Does.Contain($"志愿服务（第 {service} 版）：每满 1 小时记 1 分")
            .And.Contain($"测试志愿服务（每小时 2 分）（第 {twiceVersion} 版）：每满 1 小时记 2 分")
            .And.Not.Contain("测试志愿服务（未用于本人）"));
    }

    [TestCase(0, "0")]
    [TestCase(40, "0.5")]
    public async Task ACheckOutThatEarnsNothing_IsKept_ButThePageWarnsTheOrganizer_AndSaysHowToCorrectIt(int minutes, string hours)
    {
        var v = await NewVolunteerAsync();
        var day = minutes == 0 ? 15 : 16;
        var activity = await NewActivityAsync(Local(day, 9, 0), Local(day, 12, 0));
        _clock.Set(Local(day, 9, 0));
        await ScanAsync(activity, v, "checkIn");
        _clock.Set(Local(day, 9, minutes).AddSeconds(30)); // a tap half a minute later: 0 (or 40) whole minutes
        using var page = await _app.PageClientAsync("organizer");
        var path = $"/volunteers/{_community}/activities/{activity}";

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["code"] = v.Token, ["action"] = "checkOut",
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(await page.GetStringAsync(path)),
        });
        var checkedOut = await page.PostAsync(path + "?handler=Scan", form);
        var after = WebUtility.HtmlDecode(await page.GetStringAsync(path));
        var again = WebUtility.HtmlDecode(await page.GetStringAsync(path));

        Assert.That(checkedOut.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), WebUtility.HtmlDecode(await checkedOut.Content.ReadAsStringAsync()).Split("role=\"alert\"").Skip(1).FirstOrDefault());
        Assert.That(await CountAsync("SELECT COUNT(*) FROM service_records WHERE activity_id = @activity AND actual_minutes = @minutes",
            new { activity, minutes }), Is.EqualTo(1), "the record is kept: it is true");
        Assert.That(after, Does.Contain($"这条记录只有 {minutes} 分钟，计 {hours} 小时，不得积分").And.Contain("补报时长 · 申请更正"));
        Assert.That(after, Does.Contain("data-testid=\"no-points\""));
        Assert.That(again, Does.Not.Contain("不得积分"), "the warning is shown once, with the check-out");
    }

    [Test]
    public async Task ACheckOutThatEarnsAPoint_HasNoWarning()
    {
        var v = await NewVolunteerAsync();
        var activity = await NewActivityAsync(Local(17, 9, 0), Local(17, 12, 0));
        _clock.Set(Local(17, 9, 0));
        await ScanAsync(activity, v, "checkIn");
        _clock.Set(Local(17, 9, 50));
        using var page = await _app.PageClientAsync("organizer");
        var path = $"/volunteers/{_community}/activities/{activity}";

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["code"] = v.Token, ["action"] = "checkOut",
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(await page.GetStringAsync(path)),
        });
        await page.PostAsync(path + "?handler=Scan", form);
        var after = WebUtility.HtmlDecode(await page.GetStringAsync(path));

        Assert.That(after, Does.Contain("签退成功，服务 50 分钟，计 1 小时，按细则可得 1 分").And.Not.Contain("不得积分"));
    }

    [Test]
    public async Task ThePublicHoursBoard_NamesItsCommunity_AsThePointsBoardDoes_AndAnUnknownCommunityIsNotFound()
    {
        var name = await _app.ScalarAsync<string>("SELECT name FROM communities WHERE id = @id", new { id = _community });
        using var anonymous = _app.CreateClient();

        var board = WebUtility.HtmlDecode(await anonymous.GetStringAsync($"/p/{_community}/volunteer-hours/2026-10"));
        var json = await Json(await anonymous.GetAsync(Api("/volunteer-hours/2026-10")));
        var unknown = await anonymous.GetAsync("/p/999999/volunteer-hours/2026-10");

        Assert.That(board, Does.Contain($"data-testid=\"community\">{name}</p>"));
        Assert.That(json.GetProperty("communityName").GetString(), Is.EqualTo(name));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AnAwardsMinutes_FlowIntoThePerHourRule_AndAMinutesBesideTheFacts_IsRefusedNotDropped()
    {
        var v = await NewVolunteerAsync();
        var byRule = new HttpRequestMessage(HttpMethod.Post, Api("/awards"))
        {
            Content = JsonContent.Create(new { accountId = v.Account, memberId = v.Resident, ruleCode = "volunteer_service", facts = new { minutes = 100 } }),
        };
        byRule.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var posted = await _committee.SendAsync(byRule);
        var body = await Json(posted);

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        Assert.That(body.GetProperty("minutes").GetInt32(), Is.EqualTo(100));
        Assert.That(await BalanceAsync(v.Account), Is.EqualTo(1), "100 minutes → 1.5 hours → 1 whole point");

        var stray = new HttpRequestMessage(HttpMethod.Post, Api("/awards"))
        {
            Content = JsonContent.Create(new { accountId = v.Account, ruleCode = "volunteer_service", minutes = 100 }),
        };
        stray.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var refused = await _committee.SendAsync(stray);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Json(refused)).GetProperty("code").GetString(), Is.EqualTo("unknown_member"));
        Assert.That(await BalanceAsync(v.Account), Is.EqualTo(1));
    }
}

[TestFixture]
public sealed class SqliteVolunteerServiceTests() : VolunteerServiceTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerVolunteerServiceTests() : VolunteerServiceTests(DatabaseProvider.SqlServer);
