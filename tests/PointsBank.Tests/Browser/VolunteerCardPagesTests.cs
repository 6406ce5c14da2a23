using System.Globalization;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Volunteers;
using PointsBank.Identity;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The volunteer's own card page (<c>/c/{token}/volunteering</c>) in a real browser at phone width, with a clock the test
/// moves: one volunteer who served without checking in claims the hours (a wrong PIN first: refused, nothing written),
/// another asks for a correction of their record (a wrong PIN first: refused, nothing written); the organizer sees both
/// on <c>/volunteers/{c}</c> and decides; the card page then shows the decisions. The organizer also registers a
/// volunteer by finding the resident by name, not by a typed id.
/// </summary>
public abstract class VolunteerCardPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = AppFactory.DemoPasswordSuffix;
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private readonly FakeClock _clock = new(DateTimeOffset.UtcNow);

    protected override TimeProvider? Clock => _clock;

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("browser-tests");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private async Task<long> ScalarAsync(string sql, object? args = null)
    {
        await using var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql, args);
    }

    /// <summary>A household with one resident, its account and a card with a PIN; the resident registered as a volunteer.</summary>
    private async Task<(string Path, long Resident)> VolunteerCardAsync(long community, string name, string pin)
    {
        var household = (await Cli(new AddHousehold(community, null, $"志愿-{Guid.NewGuid():N}"[..12]))).Value!.HouseholdId;
        var resident = (await Cli(new AddResident(community, household, name))).Value!.ResidentId;
        var account = (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId;
        var card = (await Cli(new IssueCard(community, account))).Value!;
        Assert.That((await Cli(new SetCardPin(community, card.CardId, pin))).Failure, Is.Null);
        Assert.That((await Cli(new EnrollVolunteer(community, resident, "本人签字同意记录志愿服务信息", new DateOnly(2026, 11, 1)))).Failure, Is.Null);
        return (new Uri(IssuedCards.UrlOf(card)).AbsolutePath, resident);
    }

    private async Task AssertPhoneWidthAsync()
    {
        var width = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.That(width[0], Is.LessThanOrEqualTo(width[1]), $"nothing scrolls sideways at phone width on {CurrentPath}");
    }

    private static string Day(DateTimeOffset at) => at.ToOffset(China).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.ToOffset(China).ToString("HH:mm", CultureInfo.InvariantCulture);

    [Test]
    public async Task AVolunteerClaimsHours_AnotherAsksForACorrection_WithCardAndPin_AndTheOrganizerDecidesBoth()
    {
        var community = await ScalarAsync("SELECT id FROM communities WHERE code = 'demo'");
        var (claimer, _) = await VolunteerCardAsync(community, "欧阳补报", "2580");
        var (corrector, correctorResident) = await VolunteerCardAsync(community, "司徒更正", "1357");
        var now = _clock.GetUtcNow();
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(10);
        var activity = (await Cli(new CreateActivity(community, "村道清扫", "清扫主干道落叶", "村委会门口", start, start.AddHours(3), "volunteer_service", null, true))).Value!;
        _clock.Set(start);
        Assert.That((await Cli(new RecordAttendance(community, activity.Id, AttendanceActions.CheckIn, ResidentId: correctorResident))).Failure, Is.Null);
        _clock.Set(start.AddMinutes(60));
        Assert.That((await Cli(new RecordAttendance(community, activity.Id, AttendanceActions.CheckOut, ResidentId: correctorResident))).Failure, Is.Null);
        _clock.Set(start.AddHours(4));
        Assert.That((await Cli(new CloseActivity(community, activity.Id))).Failure, Is.Null);
        var record = await ScalarAsync("SELECT id FROM service_records WHERE activity_id = @id", new { id = activity.Id });
        await Page.SetViewportSizeAsync(360, 740);

        // The volunteer who served without checking in: card page → 补报时长 · 申请更正 → the form, first with a wrong PIN.
        await Page.GotoAsync(claimer);
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=volunteering-link]"));
        Assert.That(CurrentPath, Does.EndWith("/volunteering"));
        await Page.Locator("#activityId").SelectOptionAsync(activity.Id.ToString(CultureInfo.InvariantCulture));
        await Page.Locator("#claimDay").FillAsync(Day(start.AddMinutes(30)));
        await Page.Locator("#claimFrom").FillAsync(Time(start.AddMinutes(30)));
        await Page.Locator("#claimTo").FillAsync(Time(start.AddMinutes(120)));
        await Page.Locator("#claimNote").FillAsync("帮忙搬运工具，忘了签到，王组长可以作证");
        await Page.Locator("#claimPin").FillAsync("9999");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit-hour-claim]"));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToContainTextAsync("密码不对");
        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM volunteer_hour_claims WHERE activity_id = @id", new { id = activity.Id }), Is.Zero, "a wrong PIN writes no claim");
        Assert.That(await Page.Locator("#claimNote").InputValueAsync(), Is.EqualTo("帮忙搬运工具，忘了签到，王组长可以作证"), "the form is kept");
        await Page.Locator("#claimPin").FillAsync("2580");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit-hour-claim]"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("补报已提交");
        var claim = await ScalarAsync("SELECT id FROM volunteer_hour_claims WHERE activity_id = @id", new { id = activity.Id });
        await Assertions.Expect(Page.Locator($"[data-testid=hour-claim-status-{claim}]")).ToHaveTextAsync("待确认");
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("volunteer-card-hour-claim");

        // The volunteer whose record is wrong: 申请更正 under the record, first with a wrong PIN.
        await Page.GotoAsync(corrector + "/volunteering");
        await Page.Locator($"[data-testid=correct-open-{record}]").ClickAsync();
        await Page.Locator($"#reason-{record}").FillAsync("我干到最后，签退晚了半小时");
        await Page.Locator($"#day-{record}").FillAsync(Day(start));
        await Page.Locator($"#from-{record}").FillAsync(Time(start));
        await Page.Locator($"#to-{record}").FillAsync(Time(start.AddMinutes(90)));
        await Page.Locator($"#pin-{record}").FillAsync("0000");
        await ClickAndWaitForPageAsync(Page.Locator($"[data-testid=correct-{record}]"));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToContainTextAsync("密码不对");
        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM service_record_corrections WHERE record_id = @record", new { record }), Is.Zero, "a wrong PIN writes no correction request");
        await Page.Locator($"[data-testid=correct-open-{record}]").ClickAsync();
        await Page.Locator($"#reason-{record}").FillAsync("我干到最后，签退晚了半小时");
        await Page.Locator($"#day-{record}").FillAsync(Day(start));
        await Page.Locator($"#from-{record}").FillAsync(Time(start));
        await Page.Locator($"#to-{record}").FillAsync(Time(start.AddMinutes(90)));
        await Page.Locator($"#pin-{record}").FillAsync("1357");
        await ClickAndWaitForPageAsync(Page.Locator($"[data-testid=correct-{record}]"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("更正申请已提交");
        var correction = await ScalarAsync("SELECT id FROM service_record_corrections WHERE record_id = @record", new { record });
        await Assertions.Expect(Page.Locator($"[data-testid=correction-status-{correction}]")).ToContainTextAsync("待确认");
        await Assertions.Expect(Page.Locator($"[data-testid=correct-open-{record}]")).ToHaveCountAsync(0);
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("volunteer-card-correction");

        // The organizer sees both on 志愿活动 and decides.
        await Page.GotoAsync("/login");
        await SubmitSignInAsync("organizer", "organizer" + Suffix);
        await Page.GotoAsync($"/volunteers/{community}");
        await Assertions.Expect(Page.Locator($"[data-testid=hour-claim-{claim}]")).ToContainTextAsync("帮忙搬运工具");
        await Assertions.Expect(Page.Locator($"[data-testid=correction-{correction}]")).ToContainTextAsync("签退晚了半小时");
        await ClickAndWaitForPageAsync(Page.Locator($"[data-testid=hour-claim-{claim}] button.primary"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("已确认");
        await Page.Locator($"#reason-r{correction}").FillAsync("组长核实，确实干到最后");
        await ClickAndWaitForPageAsync(Page.Locator($"[data-testid=correction-{correction}] button.primary"));
        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM volunteer_hour_claims WHERE id = @claim AND status = 'confirmed' AND record_id IS NOT NULL", new { claim }), Is.EqualTo(1));
        Assert.That(await ScalarAsync("SELECT actual_minutes FROM service_records WHERE supersedes_id = @record", new { record }), Is.EqualTo(90));

        // Back on the cards: the decisions in plain words.
        await Page.GotoAsync(claimer + "/volunteering");
        await Assertions.Expect(Page.Locator($"[data-testid=hour-claim-status-{claim}]")).ToHaveTextAsync("已确认");
        await Page.GotoAsync(corrector + "/volunteering");
        await Assertions.Expect(Page.Locator($"[data-testid=correction-status-{correction}]")).ToContainTextAsync("已同意更正");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task TheOrganizer_RegistersAVolunteer_ByFindingTheResidentByName()
    {
        var community = await ScalarAsync("SELECT id FROM communities WHERE code = 'demo'");
        var household = (await Cli(new AddHousehold(community, null, $"门牌-{Guid.NewGuid():N}"[..10]))).Value!.HouseholdId;
        var resident = (await Cli(new AddResident(community, household, "诸葛热心"))).Value!.ResidentId;
        Assert.That((await Cli(new OpenAccount(community, "household", household))).Failure, Is.Null);

        await Page.GotoAsync("/login");
        await SubmitSignInAsync("organizer", "organizer" + Suffix);
        await Page.GotoAsync($"/volunteers/{community}");
        await Page.Locator("#q").FillAsync("诸葛热心");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=find-resident] button[type=submit]"));
        await Page.Locator($"[data-testid=candidate-{resident}] input").CheckAsync();
        await Page.Locator("#consentNote").FillAsync("本人签字同意记录志愿服务信息");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=enroll] button[type=submit]"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("已登记志愿者");
        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM volunteers WHERE resident_id = @resident", new { resident }), Is.EqualTo(1));
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteVolunteerCardPagesTests() : VolunteerCardPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerVolunteerCardPagesTests() : VolunteerCardPagesTests(DatabaseProvider.SqlServer);
