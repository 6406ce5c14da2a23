using PointsBank.Data;
using System.Net;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Http;

/// <summary>
/// Pages count days and months in the community's own time zone. The clock stands at 2026-11-30 17:00 UTC: in the
/// demo village (Asia/Shanghai, UTC+8) it is already 1 December 01:00, in a western village (Asia/Urumqi, UTC+6) still
/// 30 November 23:00. The demo committee member works in both, so the same user sees each village's own today: the
/// rankings page lets November be published in the demo village only, the points page's default day is each village's
/// (and the ledger accepts it there), the card page shows each card's issue time in its village's clock, and the
/// township page opens on the month before the latest begun (in its first ten days) and names both zones.
/// </summary>
public abstract class CommunityTimePagesTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private static readonly DateTimeOffset Instant = new(2026, 11, 30, 17, 0, 0, TimeSpan.Zero);

    private AppFactory _app = null!;
    private long _demo;
    private long _west;

    [OneTimeSetUp]
    public async Task TwoVillagesInTwoZones()
    {
        _app = new AppFactory(Provider, new FakeClock(Instant));
        _demo = await _app.DemoCommunityAsync();
        _west = Must(await Cli(new CreateCommunity("xibu", "西部村", TimeZone: "Asia/Urumqi"))).CommunityId;
        Assert.That((await Cli(new GrantRole(_west, "committee", "committee"))).Failure, Is.Null);
        Assert.That((await Cli(new GrantRole(_west, "township", "township"))).Failure, Is.Null);
        Assert.That(await _app.ScalarAsync<string>("SELECT time_zone FROM communities WHERE id = @id", new { id = _demo }), Is.EqualTo("Asia/Shanghai"));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _app.DisposeAsync();

    private static T Must<T>(PointsBank.Infrastructure.Outcome<T> outcome) =>
        outcome.Value ?? throw new InvalidOperationException(outcome.Failure?.Detail);

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("zone-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private async Task<long> NewAccountAsync(long community)
    {
        var household = Must(await Cli(new AddHousehold(community, null, $"tz-{Guid.NewGuid():N}"[..12]))).HouseholdId;
        return Must(await Cli(new OpenAccount(community, "household", household))).AccountId;
    }

    private static async Task<string> HtmlAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task TheRankingsPage_LetsLastMonthBePublished_WhereItIsOver_AndNotYetWhereItIsNot()
    {
        using var committee = await _app.PageClientAsync("committee");

        var shanghai = await HtmlAsync(committee, $"/rankings/{_demo}?month=2026-11");
        var urumqi = await HtmlAsync(committee, $"/rankings/{_west}?month=2026-11");
        Assert.That(shanghai, Does.Contain("data-testid=\"publish\"").And.Not.Contain("data-testid=\"not-over\""), "November is over in Shanghai");
        Assert.That(urumqi, Does.Contain("data-testid=\"not-over\"").And.Not.Contain("data-testid=\"publish\""), "November is not over in Ürümqi");

        // Without a month each page opens on the month its village would want: on 1 December in Shanghai, November (the
        // first ten days of a month open on the month before, to publish it); on 30 November in Ürümqi, October while it
        // has no published revision (another test of this class publishes it), else November; each says so and links
        // the other month.
        var demo = await HtmlAsync(committee, $"/rankings/{_demo}");
        Assert.That(demo, Does.Match("name=\"month\" value=\"2026-11\"").And.Contain("data-testid=\"publish\""));
        Assert.That(demo, Does.Contain("正在看上个月（2026-11）的排名").And.Contain("href=\"?month=2026-12\""));
        var octoberPublished = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ranking_snapshots WHERE community_id = @c AND month = '2026-10'",
            new { c = _west }) > 0;
        Assert.That(await HtmlAsync(committee, $"/rankings/{_west}"), Does.Match($"name=\"month\" value=\"{(octoberPublished ? "2026-11" : "2026-10")}\""));
    }

    [Test]
    public async Task ThePagesOfAMonth_OpenOnEachVillagesOwnMonth()
    {
        using var committee = await _app.PageClientAsync("committee");
        foreach (var (community, month, today) in new[] { (_demo, "2026-12", "2026-12-01"), (_west, "2026-11", "2026-11-30") })
        {
            Assert.That(await HtmlAsync(committee, $"/reports/{community}"),
                Does.Contain($"id=\"month\" name=\"month\" type=\"month\" value=\"{month}\" max=\"{month}\""), $"funding report, community {community}");
            Assert.That(await HtmlAsync(committee, $"/inspections/{community}"),
                Does.Contain($"id=\"period\" name=\"period\" type=\"month\" value=\"{month}\" max=\"{month}\""), $"inspections, community {community}");
            var volunteers = await HtmlAsync(committee, $"/volunteers/{community}");
            Assert.That(volunteers, Does.Contain($"/p/{community}/volunteer-hours/{month}\""), $"volunteer hours link, community {community}");
            Assert.That(volunteers, Does.Contain($"id=\"day\" name=\"day\" type=\"date\" value=\"{today}\""), $"activity day, community {community}");
        }
    }

    [Test]
    public async Task ThePublicBoard_SaysTheDayItWasPublished_InEachVillagesCalendar()
    {
        using var visitor = _app.CreateClient();
        foreach (var (community, day) in new[] { (_demo, "2026-12-01"), (_west, "2026-11-30") })
        {
            Must(await Cli(new PointsBank.Features.Rankings.PublishRanking(community, "2026-10")));
            var html = await HtmlAsync(visitor, $"/p/{community}/rankings/2026-10");
            Assert.That(html, Does.Contain($"{day} 公布"), $"community {community}");
        }
    }

    [Test]
    public async Task ThePointsPage_DefaultsToEachVillagesOwnToday_AndTheLedgerTakesThatDay()
    {
        using var committee = await _app.PageClientAsync("committee");
        foreach (var (community, today) in new[] { (_demo, "2026-12-01"), (_west, "2026-11-30") })
        {
            var account = await NewAccountAsync(community);
            var rule = await TestRules.AwardAsync(_app.Services, community, 3);
            var path = $"/points/{community}/accounts/{account}?rule={rule}";
            var html = await HtmlAsync(committee, path);
            var day = Regex.Match(html, "id=\"rule-date\" name=\"occurredOn\" type=\"date\" value=\"([^\"]+)\" max=\"([^\"]+)\"");
            Assert.That(day.Success, path);
            Assert.That((day.Groups[1].Value, day.Groups[2].Value), Is.EqualTo((today, today)), $"community {community}");

            // The page's default day is one the ledger accepts (a day still in the future would be refused).
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["occurredOn"] = day.Groups[1].Value,
                ["key"] = Regex.Match(html, "name=\"key\" value=\"([^\"]+)\"").Groups[1].Value,
                ["__RequestVerificationToken"] = AppFactory.Antiforgery(html),
            });
            using var posted = await committee.PostAsync($"/points/{community}/accounts/{account}?handler=Rule&rule={rule}", form);
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), WebUtility.HtmlDecode(await posted.Content.ReadAsStringAsync()));
            Assert.That(await _app.ScalarAsync<string>(
                "SELECT CAST(effective_date AS varchar(10)) FROM ledger_transactions WHERE community_id = @community AND seq = (SELECT MAX(seq) FROM ledger_transactions WHERE community_id = @community)",
                new { community }),
                Does.StartWith(today));
        }
    }

    [Test]
    public async Task TheCardPage_ShowsTheIssueTime_InEachVillagesClock()
    {
        using var committee = await _app.PageClientAsync("committee");
        foreach (var (community, local) in new[] { (_demo, "2026-12-01 01:00"), (_west, "2026-11-30 23:00") })
        {
            var account = await NewAccountAsync(community);
            Must(await Cli(new IssueCard(community, account)));
            var html = await HtmlAsync(committee, $"/cards/{community}/{account}");
            Assert.That(Regex.Match(html, "<dt>发卡时间</dt><dd>([^<]+)</dd>").Groups[1].Value, Is.EqualTo(local), $"community {community}");
        }
    }

    [Test]
    public async Task TheTownshipPage_OpensOnTheMonthBeforeTheLatestBegun_InItsFirstDays_AndNamesEachZone()
    {
        using var township = await _app.PageClientAsync("township");
        var html = await HtmlAsync(township, "/township");
        // 1 December in Shanghai: the first days of a month open on the month before, whose figures are complete.
        Assert.That(html, Does.Contain("id=\"month\" name=\"month\" type=\"month\" value=\"2026-11\" max=\"2026-12\""));
        Assert.That(html, Does.Contain("正在看上个月（2026-11）").And.Contain("href=\"?month=2026-12\""));
        Assert.That(Regex.Match(html, "data-testid=\"zones\">([^<]+)<").Groups[1].Value, Does.Contain("北京时间、Asia/Urumqi（UTC+6）"));
    }
}

[TestFixture]
public sealed class SqliteCommunityTimePagesTests() : CommunityTimePagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCommunityTimePagesTests() : CommunityTimePagesTests(DatabaseProvider.SqlServer);
