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
/// The organizer's volunteer pages in a real browser, with a clock the test moves: publish an activity, check two
/// volunteers in and out by typing their card codes into the scan field, close, certify; each volunteer's card page
/// then shows the hours and the points.
/// </summary>
public abstract class VolunteerPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = AppFactory.DemoPasswordSuffix;
    private readonly FakeClock _clock = new(DateTimeOffset.UtcNow);

    protected override TimeProvider? Clock => _clock;

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("browser-tests");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>A household with an account and a card, and its resident registered as a volunteer; the card's URL.</summary>
    private async Task<string> VolunteerCardAsync(long community, string name)
    {
        var household = (await Cli(new AddHousehold(community, null, $"志愿-{Guid.NewGuid():N}"[..12]))).Value!.HouseholdId;
        var resident = (await Cli(new AddResident(community, household, name))).Value!.ResidentId;
        var account = (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId;
        var card = (await Cli(new IssueCard(community, account))).Value!;
        Assert.That((await Cli(new EnrollVolunteer(community, resident, "本人签字同意记录志愿服务信息", new DateOnly(2026, 11, 1)))).Failure, Is.Null);
        return IssuedCards.UrlOf(card);
    }

    private async Task ScanAsync(string code, string button)
    {
        var field = Page.Locator("[data-scan]");
        await Assertions.Expect(field).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(code);
        await ClickAndWaitForPageAsync(Page.Locator($"[data-testid={button}]"));
    }

    [Test]
    public async Task TheOrganizer_ChecksTwoVolunteersInAndOutByCardCode_ClosesAndCertifies_AndEachCardShowsHoursAndPoints()
    {
        long community;
        await using (var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync())
        {
            community = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT id FROM communities WHERE code = 'demo'");
        }
        var first = await VolunteerCardAsync(community, "林志愿");
        var second = await VolunteerCardAsync(community, "高热心");
        var china = TimeSpan.FromHours(8);
        var start = _clock.GetUtcNow().ToOffset(china).AddMinutes(10);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, china);

        await Page.GotoAsync("/login");
        await SubmitSignInAsync("organizer", "organizer" + Suffix);
        await Page.GotoAsync($"/volunteers/{community}");
        await Page.Locator("#title").FillAsync("村道清扫");
        await Page.Locator("#content").FillAsync("清扫主干道落叶和垃圾");
        await Page.Locator("#place").FillAsync("村委会门口集合");
        await Page.Locator("#day").FillAsync(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await Page.Locator("#from").FillAsync(start.ToString("HH:mm", CultureInfo.InvariantCulture));
        await Page.Locator("#to").FillAsync(start.AddHours(3).ToString("HH:mm", CultureInfo.InvariantCulture));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=create-activity] button[type=submit]"));
        await Assertions.Expect(Page.Locator("[data-testid=activity-status]")).ToHaveTextAsync("签到中");

        _clock.Set(start);
        await ScanAsync(first, "check-in");
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("签到成功");
        await ScanAsync(second, "check-in");
        await ScanAsync(second, "check-in");
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToHaveTextAsync("已经签到过了，不能重复签到");
        await Page.SetViewportSizeAsync(390, 844);
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("volunteer-scan-phone");

        _clock.Set(start.AddMinutes(50));
        await ScanAsync(first, "check-out");
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("服务 50 分钟，计 1 小时");
        _clock.Set(start.AddMinutes(120));
        await ScanAsync(second, "check-out");
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("计 2 小时");
        await Assertions.Expect(Page.Locator("[data-testid=no-points]")).ToHaveCountAsync(0);

        // A check-out tapped right after the check-in: kept (it is true), but the organizer is told it earns nothing.
        var third = await VolunteerCardAsync(community, "马误点");
        await ScanAsync(third, "check-in");
        _clock.Set(start.AddMinutes(120).AddSeconds(30));
        await ScanAsync(third, "check-out");
        await Assertions.Expect(Page.Locator("[data-testid=no-points]")).ToContainTextAsync("这条记录只有 0 分钟，计 0 小时，不得积分");
        await Assertions.Expect(Page.Locator("[data-testid=hours-to-points]")).ToContainTextAsync("例如服务 1.5 小时记 1 分");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("volunteer-checkout-no-points-phone");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=close]"));
        await Assertions.Expect(Page.Locator("[data-testid=activity-status]")).ToHaveTextAsync("已结束");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=certify]"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("已证明 3 条记录，共 3 分已入账");
        await Assertions.Expect(Page.Locator("[data-testid=activity-status]")).ToHaveTextAsync("已证明");
        await Assertions.Expect(Page.Locator("[data-testid=certify]")).ToHaveCountAsync(0);
        await Assertions.Expect(Page.Locator("[data-testid=attendance-count]")).ToHaveTextAsync("已签到 3 人，已签退 3 人");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("volunteer-certified-phone");

        // 志愿服务记录清单 on the phone: one card per record, 记录人/证明人 in words (the organizer's display name), not ids.
        long resident, seeded;
        string organizerName;
        await using (var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync())
        {
            resident = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
                "SELECT id FROM residents WHERE community_id = @community AND full_name = @name", new { community, name = "林志愿" });
            seeded = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, """
                SELECT MIN(v.resident_id) FROM service_records s JOIN volunteers v ON v.id = s.volunteer_id
                 WHERE s.community_id = @community AND s.certified_by = 'cli:demo-seed'
                """, new { community });
            organizerName = await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT display_name FROM users WHERE username = 'organizer'") ?? "";
        }
        await Page.GotoAsync($"/volunteers/{community}/records/{resident}");
        var record = Page.Locator("[data-testid^=record-]").First;
        await Assertions.Expect(record.Locator("[data-testid^=recorder-]")).ToHaveTextAsync(organizerName);
        await Assertions.Expect(record.Locator("[data-testid^=certifier-]")).ToHaveTextAsync(organizerName);
        Assert.That(await Page.InnerTextAsync("main"), Does.Not.Contain("user:organizer"));
        Assert.That(await record.Locator("[data-testid^=certifier-]").BoundingBoxAsync() is { } box && box.X >= 0 && box.X + box.Width <= 390,
            "证明人 is on screen at 390 px");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("volunteer-records-phone");

        // The seed's records were confirmed and certified from the command line: the system in words, not cli:demo-seed.
        await Page.GotoAsync($"/volunteers/{community}/records/{seeded}");
        await Assertions.Expect(Page.Locator("[data-testid^=certifier-]").First).ToHaveTextAsync("系统（演示数据）");
        Assert.That(await Page.InnerTextAsync("main"), Does.Not.Contain("cli:demo-seed"));
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("volunteer-records-seeded-phone");

        foreach (var (url, hours, points) in new[] { (first, "1", "+1"), (second, "2", "+2") })
        {
            await Page.GotoAsync("/c/" + IssuedCards.TokenOf(url));
            await Assertions.Expect(Page.Locator("[data-testid=volunteer-hours]")).ToHaveTextAsync(hours);
            await Assertions.Expect(Page.Locator("[data-testid=volunteer-record]").First).ToContainTextAsync(points);
            await Assertions.Expect(Page.Locator("[data-testid=available]")).ToHaveTextAsync(points.TrimStart('+'));
            await Assertions.Expect(Page.Locator("[data-testid=explanation]").First).ToContainTextAsync("志愿服务");
        }
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("volunteer-card-page");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteVolunteerPagesTests() : VolunteerPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerVolunteerPagesTests() : VolunteerPagesTests(DatabaseProvider.SqlServer);
