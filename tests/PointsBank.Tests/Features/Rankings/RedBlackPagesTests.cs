using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Rankings;

/// <summary>
/// Through the real host: the 红黑榜 switch in the policy API (off by default) and what it shows — the deductions list on
/// the committee's live ranking, the public board and the poster when on, nothing of it when off; and publishing a month
/// that is not over is a clear problem on the API and on the committee's page.
/// </summary>
[NonParallelizable]
public abstract class RedBlackPagesTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private string _month = "";
    private string _code = "";

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        _community = await _app.DemoCommunityAsync();
        // A household awarded 40 and deducted 9 on the last day of last month (in Shanghai), and that month published.
        var today = Projections.LocalDate(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
        var lastDay = new DateOnly(today.Year, today.Month, 1).AddDays(-1);
        _month = Projections.Month(lastDay);
        _code = $"红黑-{Guid.NewGuid():N}"[..9];
        var household = (await Cli(new AddHousehold(_community, null, _code))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(_community, household, "钱七"))).Failure, Is.Null);
        var account = (await Cli(new OpenAccount(_community, "household", household))).Value!.AccountId;
        var ledger = _app.Services.GetRequiredService<PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(_community, SystemAccount.Issuance))!.Value;
        var penalty = (await ledger.SystemAccountIdAsync(_community, SystemAccount.Penalty))!.Value;
        Assert.That((await ledger.PostAsync(new LedgerEntry(_community, TransactionKind.Award, Categories.GoodDeed, $"rb-{Guid.NewGuid():N}",
            "红黑榜测试", "cli:test", [new PostingLine(issuance, -40), new PostingLine(account, 40)], EffectiveDate: lastDay))).Error, Is.Null);
        Assert.That((await ledger.PostAsync(new LedgerEntry(_community, TransactionKind.Deduct, Categories.Deduction, $"rb-{Guid.NewGuid():N}",
            "红黑榜测试：乱扔垃圾", "cli:test", [new PostingLine(account, -9), new PostingLine(penalty, 9)], EffectiveDate: lastDay))).Error, Is.Null);
        Assert.That((await Cli(new PublishRanking(_community, _month))).Failure, Is.Null);
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("red-black-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    /// <summary>Switches the 红黑榜 through the policy API as the committee would (GET, change the one field, PUT), and returns what GET said before.</summary>
    private async Task<JsonObject> SwitchAsync(bool on)
    {
        using var committee = await _app.ClientAsAsync("committee");
        var before = (await committee.GetFromJsonAsync<JsonObject>(Api("/policy")))!;
        var wanted = before.DeepClone().AsObject();
        wanted["redBlackBoard"] = on;
        var put = await committee.PutAsJsonAsync(Api("/policy"), wanted);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
        Assert.That((await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("redBlackBoard").GetBoolean(), Is.EqualTo(on));
        return before;
    }

    private async Task<(string Live, string Public, string Poster, JsonElement Api)> ShownAsync()
    {
        using var pages = await _app.PageClientAsync("committee");
        using var anonymous = _app.CreateClient();
        using var committee = await _app.ClientAsAsync("committee");
        return (WebUtility.HtmlDecode(await pages.GetStringAsync($"/rankings/{_community}?month={_month}")),
            WebUtility.HtmlDecode(await anonymous.GetStringAsync($"/p/{_community}/rankings/{_month}")),
            WebUtility.HtmlDecode(await anonymous.GetStringAsync($"/p/{_community}/rankings/{_month}/poster")),
            await committee.GetFromJsonAsync<JsonElement>(Api($"/rankings/{_month}")));
    }

    [Test, Order(1)]
    public async Task Off_ByDefault_NothingOfItIsShown()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var policy = await committee.GetFromJsonAsync<JsonElement>(Api("/policy"));

        var (live, shown, poster, api) = await ShownAsync();

        Assert.That(policy.GetProperty("redBlackBoard").GetBoolean(), Is.False);
        foreach (var html in new[] { live, shown, poster })
        {
            Assert.That(html, Does.Not.Contain("data-testid=\"deductions\"").And.Not.Contain("红黑榜"));
        }
        Assert.That(live, Does.Contain(_code), "the household is on the live ranking itself");
        Assert.That(api.TryGetProperty("deductions", out var none) ? none.ValueKind : JsonValueKind.Null, Is.EqualTo(JsonValueKind.Null));
    }

    [Test, Order(2)]
    public async Task On_TheDeductionsListIsOnTheLiveRanking_ThePublicBoard_AndThePoster()
    {
        await SwitchAsync(true);
        try
        {
            var (live, shown, poster, api) = await ShownAsync();

            foreach (var html in new[] { live, shown, poster })
            {
                Assert.That(html, Does.Contain("本月扣分（红黑榜）"));
                var list = html[html.IndexOf("data-testid=\"deductions\"", StringComparison.Ordinal)..];
                Assert.That(list[..list.IndexOf("</table>", StringComparison.Ordinal)], Does.Contain(_code).And.Contain(">9<"));
            }
            Assert.That(shown, Does.Not.Contain("钱七"), "no full names on the public board");
            var mine = api.GetProperty("deductions").EnumerateArray().Single(d => d.GetProperty("householdCode").GetString() == _code);
            Assert.That(mine.GetProperty("deducted").GetInt64(), Is.EqualTo(9));
        }
        finally
        {
            await SwitchAsync(false);
        }
        var (_, afterwards, _, _) = await ShownAsync();
        Assert.That(afterwards, Does.Not.Contain("data-testid=\"deductions\""), "switched off again");
    }

    [Test]
    public async Task PublishingThisMonth_IsMonthNotOver_OnTheApiAndOnTheCommitteesPage_AndStoresNothing()
    {
        var thisMonth = Projections.Month(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
        using var committee = await _app.ClientAsAsync("committee");
        var before = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ranking_snapshots");

        var response = await committee.PostAsync(Api($"/rankings/{thisMonth}/publish"), null);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var pages = await _app.PageClientAsync("committee");
        var page = await pages.GetStringAsync($"/rankings/{_community}?month={thisMonth}");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = AppFactory.Antiforgery(page) });
        var posted = await pages.PostAsync($"/rankings/{_community}?month={thisMonth}&handler=Publish", form);
        var answer = await posted.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("month_not_over"));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("这个月还没有结束，月底之后才能公布积分榜"));
        Assert.That(page, Does.Contain("data-testid=\"not-over\"").And.Not.Contain("data-testid=\"publish\""));
        Assert.That(WebUtility.HtmlDecode(answer), Does.Contain("这个月还没有结束，月底之后才能公布积分榜"));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ranking_snapshots"), Is.EqualTo(before));
    }
}

[TestFixture]
[NonParallelizable]
public sealed class SqliteRedBlackPagesTests() : RedBlackPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
[NonParallelizable]
public sealed class SqlServerRedBlackPagesTests() : RedBlackPagesTests(DatabaseProvider.SqlServer);
