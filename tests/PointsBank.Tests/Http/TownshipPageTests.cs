using System.Net;
using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Http;

/// <summary>
/// 全镇概况 through the real host: the demo's township user, granted on the demo village and on a second one, sees both
/// side by side on the page and in the CSV, and no resident's full name or phone of either village; the home card links
/// to it; the committee may not open it.
/// </summary>
[TestFixture]
public abstract class TownshipPageTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _demo;
    private long _neighbour;
    private string _month = "";

    [OneTimeSetUp]
    public async Task TwoVillagesForTheTownship()
    {
        _app = new AppFactory(Provider);
        _demo = await _app.DemoCommunityAsync();
        _month = Projections.Month(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
        _neighbour = (await Cli(new CreateCommunity("lincun", "邻村"))).Value!.CommunityId;
        foreach (var (name, phone) in new[] { ("孙邻居", "13812345678"), ("钱邻居", "13987654321") })
        {
            var household = (await Cli(new AddHousehold(_neighbour, null, $"lc-{phone[^4..]}"))).Value!.HouseholdId;
            Assert.That((await Cli(new AddResident(_neighbour, household, name, phone))).Failure, Is.Null);
            var account = (await Cli(new OpenAccount(_neighbour, "household", household))).Value!.AccountId;
            var ledger = _app.Services.GetRequiredService<PointsLedger>();
            var issuance = (await ledger.SystemAccountIdAsync(_neighbour, SystemAccount.Issuance))!.Value;
            var posted = await ledger.PostAsync(new LedgerEntry(_neighbour, TransactionKind.Award, Categories.GoodDeed, $"township-{phone}", "拾金不昧",
                "test:committee", [new PostingLine(issuance, -15), new PostingLine(account, 15)]));
            Assert.That(posted.Error, Is.Null, posted.Detail);
        }
        Assert.That((await Cli(new GrantRole(_neighbour, "township", "township"))).Failure, Is.Null);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _app.DisposeAsync();

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("township-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>Every resident's full name and phone in the two villages.</summary>
    private async Task<IReadOnlyList<string>> PersonalDataAsync()
    {
        await using var connection = await _app.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Name, string? Phone)>(
            "SELECT full_name, phone FROM residents WHERE community_id IN (@demo, @neighbour)", new { demo = _demo, neighbour = _neighbour });
        return [.. rows.SelectMany(r => new[] { r.Name, r.Phone }).OfType<string>().Where(v => v.Length > 0)];
    }

    [Test]
    public async Task ThePage_ShowsBothVillagesSideBySide_AndNoResidentsNameOrPhone()
    {
        using var township = await _app.PageClientAsync("township");
        using var response = await township.GetAsync($"/township?month={_month}");
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        var demoName = await _app.ScalarAsync<string>("SELECT name FROM communities WHERE id = @id", new { id = _demo });
        var personal = await PersonalDataAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(html, "data-testid=\"township-community\"").Count, Is.EqualTo(2));
        Assert.That(html, Does.Contain(demoName).And.Contain("邻村").And.Contain("参与率"));
        Assert.That(personal, Has.Count.GreaterThan(10), "the demo village's residents and the neighbour's");
        Assert.That(personal.Where(html.Contains), Is.Empty, "no resident's full name or phone on the page");
    }

    [Test]
    public async Task TheCsv_HasBothVillages_AndNoResidentsNameOrPhone()
    {
        using var township = await _app.ClientAsAsync("township");
        using var response = await township.GetAsync($"/api/v1/township?month={_month}&format=csv");
        var csv = await response.Content.ReadAsStringAsync();
        var personal = await PersonalDataAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        Assert.That(csv, Does.Contain("参与率").And.Contain("邻村"));
        Assert.That(csv.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3), "a header and the two villages");
        Assert.That(personal.Where(csv.Contains), Is.Empty, "no resident's full name or phone in the CSV");
    }

    [Test]
    public async Task TheHomePage_LinksTheTownshipUserToIt_AndTheCommitteeMayNotOpenIt()
    {
        using var township = await _app.PageClientAsync("township");
        using var committee = await _app.PageClientAsync("committee");

        Assert.That(await township.GetStringAsync("/"), Does.Contain("href=\"/township\""));
        using var refused = await committee.GetAsync($"/township?month={_month}");
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Not.Contain("data-testid=\"township-community\""));
    }
}

[TestFixture]
public sealed class SqliteTownshipPageTests() : TownshipPageTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTownshipPageTests() : TownshipPageTests(DatabaseProvider.SqlServer);
