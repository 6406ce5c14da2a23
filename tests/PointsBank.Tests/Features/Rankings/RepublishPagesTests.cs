using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Rankings;

/// <summary>
/// Month-end through the real host: publishing a month again with nothing changed makes no revision (the API answers
/// the latest one, 200 with <c>unchanged: true</c>, instead of 201); the committee's page publishes with
/// Post/Redirect/Get, says what happened in words, turns the button into a quieter 重新公布 and says whether the ranking
/// shown is the published revision or differs from it.
/// </summary>
[NonParallelizable]
public abstract partial class RepublishPagesTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private PointsLedger _ledger = null!;

    /// <summary>Last month in Shanghai: over, and inside the back-dating limit (its last day).</summary>
    private static string LastMonth
    {
        get
        {
            var today = Projections.LocalDate(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
            return Projections.Month(new DateOnly(today.Year, today.Month, 1).AddDays(-1));
        }
    }

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        _community = await _app.DemoCommunityAsync();
        _ledger = _app.Services.GetRequiredService<PointsLedger>();
    }

    private async Task<long> HouseholdAsync()
    {
        var household = (await Cli(new AddHousehold(_community, null, $"重-{Guid.NewGuid():N}"[..8]))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(_community, household, "孙八"))).Failure, Is.Null);
        return (await Cli(new OpenAccount(_community, "household", household))).Value!.AccountId;
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("republish-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    /// <summary>Awards the test household points effective on the last day of <paramref name="month"/> (a month long over).</summary>
    private async Task AwardAsync(long account, string month, long points)
    {
        var issuance = (await _ledger.SystemAccountIdAsync(_community, SystemAccount.Issuance))!.Value;
        var lastDay = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).AddMonths(1).AddDays(-1);
        Assert.That((await _ledger.PostAsync(new LedgerEntry(_community, TransactionKind.Award, Categories.GoodDeed, $"rp-{Guid.NewGuid():N}",
            "重新公布测试", "cli:test", [new PostingLine(issuance, -points), new PostingLine(account, points)], EffectiveDate: lastDay))).Error, Is.Null);
    }

    private Task<long> RevisionsAsync(string month) => _app.ScalarAsync<long>(
        "SELECT COUNT(*) FROM ranking_snapshots WHERE community_id = @c AND month = @month", new { c = _community, month });

    private static string Html(string page) => WebUtility.HtmlDecode(page);

    private static string TestId(string html, string id) => Regex.Match(html, $"data-testid=\"{id}\"[^>]*>([^<]*)<").Groups[1].Value.Trim();

    [GeneratedRegex("name=\"key\" value=\"([^\"]+)\"")]
    private static partial Regex KeyField();

    /// <summary>Posts the page's publish form as a browser would: 302 to a GET of the result; returns the Location and the page it shows.</summary>
    private static async Task<(string Location, string Page)> PublishFromPageAsync(HttpClient pages, long community, string month)
    {
        var form = await pages.GetStringAsync($"/rankings/{community}?month={month}");
        using var fields = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["key"] = KeyField().Match(form).Groups[1].Value, ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
        });
        using var posted = await pages.PostAsync($"/rankings/{community}?month={month}&handler=Publish", fields);
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "Post/Redirect/Get: the result is a page of its own");
        var location = posted.Headers.Location!.OriginalString;
        Assert.That(location, Does.Not.Contain("handler="), "refreshing the result page must not publish again");
        return (location, Html(await pages.GetStringAsync(location)));
    }

    [Test, Order(2)]
    public async Task TheApi_PublishingAgainUnchanged_Answers200WithTheLatestRevision_AndStoresNothing()
    {
        var month = LastMonth;
        var account = await HouseholdAsync();
        await AwardAsync(account, month, 21);
        var before = await RevisionsAsync(month);
        using var committee = await _app.ClientAsAsync("committee");

        using var first = await committee.PostAsync(Api($"/rankings/{month}/publish"), null);
        var made = await first.Content.ReadFromJsonAsync<JsonElement>();
        using var again = await committee.PostAsync(Api($"/rankings/{month}/publish"), null);
        var same = await again.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), made.ToString());
        Assert.That(made.GetProperty("unchanged").GetBoolean(), Is.False);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), same.ToString());
        Assert.That(again.Headers.Contains("Idempotent-Replayed"), Is.False, "not a replay of a key: an answer of the latest revision");
        Assert.That(same.GetProperty("unchanged").GetBoolean(), Is.True);
        foreach (var field in new[] { "revision", "snapshotHash", "chainHeadSeq", "chainHeadHash", "publishedAt" })
        {
            Assert.That(same.GetProperty(field).ToString(), Is.EqualTo(made.GetProperty(field).ToString()), field);
        }
        Assert.That(await RevisionsAsync(month), Is.EqualTo(before + 1));
        Assert.That(made.GetProperty("revision").GetInt64(), Is.EqualTo(before + 1));

        await AwardAsync(account, month, 2);
        using var corrected = await committee.PostAsync(Api($"/rankings/{month}/publish"), null);
        var second = await corrected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(corrected.StatusCode, Is.EqualTo(HttpStatusCode.Created), second.ToString());
        Assert.That((second.GetProperty("revision").GetInt64(), second.GetProperty("unchanged").GetBoolean()), Is.EqualTo((before + 2, false)));
        Assert.That(await RevisionsAsync(month), Is.EqualTo(before + 2));
    }

    [Test, Order(1)]
    public async Task ThePage_PublishesWithPostRedirectGet_SaysWhatItDid_AndWhetherTheRankingShownIsThePublishedOne()
    {
        // The first test of the fixture: its app's database has no revision of last month yet.
        var month = LastMonth;
        var account = await HouseholdAsync();
        await AwardAsync(account, month, 33);
        using var pages = await _app.PageClientAsync("committee");
        var before = Html(await pages.GetStringAsync($"/rankings/{_community}?month={month}"));
        Assert.That(TestId(before, "publish"), Is.EqualTo($"公布 {month} 积分榜"));
        Assert.That(TestId(before, "live-title"), Is.EqualTo("当前排名（未公布）"));

        var (location, published) = await PublishFromPageAsync(pages, _community, month);

        Assert.That(location, Does.Contain($"month={month}").And.Contain("published=1"));
        Assert.That(TestId(published, "done"), Does.StartWith($"已公布 {month} 第 1 版"));
        Assert.That(TestId(published, "done"), Does.Not.Contain("链头").And.Not.Match("[0-9a-f]{64}"), "no chain head or raw hash in the message");
        Assert.That(TestId(published, "publish"), Is.EqualTo("重新公布（有更正时）"));
        Assert.That(published, Does.Match("class=\"button\" data-testid=\"publish\""), "the button is the quiet one once the board is published");
        Assert.That(TestId(published, "live-title"), Is.EqualTo("排名（就是已公布的第 1 版）"));
        // Refreshing the result page is a GET: it shows the same and publishes nothing.
        Assert.That(TestId(Html(await pages.GetStringAsync(location)), "done"), Is.EqualTo(TestId(published, "done")));
        Assert.That(await RevisionsAsync(month), Is.EqualTo(1));

        var (againAt, again) = await PublishFromPageAsync(pages, _community, month);

        Assert.That(againAt, Does.Contain("published=1").And.Contain("unchanged="));
        Assert.That(TestId(again, "done"), Does.StartWith("排名没有变化，仍是第 1 版"));
        Assert.That(await RevisionsAsync(month), Is.EqualTo(1), "publishing again with nothing changed made no revision");

        await AwardAsync(account, month, 4);
        var changed = Html(await pages.GetStringAsync($"/rankings/{_community}?month={month}"));
        Assert.That(TestId(changed, "live-title"), Is.EqualTo("当前排名（和已公布的第 1 版不一样，未公布）"));
        Assert.That(changed, Does.Match("class=\"button primary\" data-testid=\"publish\""), "a correction makes publishing again the thing to do");
        var (_, corrected) = await PublishFromPageAsync(pages, _community, month);
        Assert.That(TestId(corrected, "done"), Does.StartWith($"已公布 {month} 第 2 版"));
        Assert.That(await RevisionsAsync(month), Is.EqualTo(2));
    }

    [Test, Order(3)]
    public async Task ThePage_SaysWhenClaimsOfTheMonthAreNotPostedYet()
    {
        var month = LastMonth;
        var account = await HouseholdAsync();
        Assert.That(Html(await (await _app.PageClientAsync("committee")).GetStringAsync($"/rankings/{_community}?month={month}")),
            Does.Not.Contain("data-testid=\"claims-pending\""), "no claim of the month waits");
        var lastDay = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).AddMonths(1).AddDays(-1);
        var submitted = await Cli(new PointsBank.Features.Claims.SubmitClaim(_community, account, null, "mediation", null, lastDay, "调解纠纷"));
        Assert.That(submitted.Failure, Is.Null, submitted.Failure?.Detail);

        using var pages = await _app.PageClientAsync("committee");
        var page = Html(await pages.GetStringAsync($"/rankings/{_community}?month={month}"));
        var other = Html(await pages.GetStringAsync($"/rankings/{_community}?month={Projections.Month(lastDay.AddMonths(-1))}"));

        Assert.That(TestId(page, "claims-pending"), Does.Contain("0 条申报在公示中、1 条申报等待审核").And.Contain("记入积分以后才算进排名"));
        Assert.That(other, Does.Not.Contain("data-testid=\"claims-pending\""), "a claim counts in the month its deed happened");
    }
}

[TestFixture]
[NonParallelizable]
public sealed class SqliteRepublishPagesTests() : RepublishPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
[NonParallelizable]
public sealed class SqlServerRepublishPagesTests() : RepublishPagesTests(DatabaseProvider.SqlServer);
