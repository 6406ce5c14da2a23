using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Accounts;

/// <summary>Finding member accounts, the accounts households and residents show, and which accounts a community opens.</summary>
public abstract class AccountsApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _firstHousehold;
    private long _firstAccount;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        _community = await _app.DemoCommunityAsync();
        _firstHousehold = await _app.ScalarAsync<long>("SELECT id FROM households WHERE community_id = @c AND code = @code", new { c = _community, code = "一组-01" });
        _firstAccount = await _app.ScalarAsync<long>("SELECT id FROM accounts WHERE household_id = @h", new { h = _firstHousehold });
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAs(string user, string path)
    {
        using var client = await _app.ClientAsAsync(user);
        var response = await client.GetAsync(Api(path));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    [Test]
    public async Task FindAccounts_ByDoorPlateCode_FindsTheHouseholdAccount()
    {
        var (status, page) = await GetAs("shopkeeper", "/accounts?q=一组-01");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var item = page.GetProperty("items").EnumerateArray().Single();
        Assert.That(item.GetProperty("accountId").GetInt64(), Is.EqualTo(_firstAccount));
        Assert.That(item.GetProperty("householdCode").GetString(), Is.EqualTo("一组-01"));
        Assert.That(item.GetProperty("kind").GetString(), Is.EqualTo("household"));
    }

    [TestCase("committee", "张建国", false)]
    [TestCase("reviewer", "张*国", true)]
    [TestCase("shopkeeper", "张*国", true)]
    public async Task FindAccounts_ByResidentName_ShowsTheNameAsTheRosterDoes(string user, string shown, bool masked)
    {
        var (status, page) = await GetAs(user, "/accounts?q=张建国");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var item = page.GetProperty("items").EnumerateArray().Single();
        Assert.That(item.GetProperty("accountId").GetInt64(), Is.EqualTo(_firstAccount));
        Assert.That(item.GetProperty("residentName").GetString(), Is.EqualTo(shown));
        Assert.That(item.GetProperty("nameMasked").GetBoolean(), Is.EqualTo(masked));
    }

    [Test]
    public async Task FindAccounts_TreatsWildcardsLiterally_AndIsPaged()
    {
        var (_, wildcard) = await GetAs("committee", "/accounts?q=%25");
        var (_, all) = await GetAs("committee", "/accounts?q=组&pageSize=3&page=2");

        Assert.That(wildcard.GetProperty("total").GetInt64(), Is.Zero);
        Assert.That(all.GetProperty("items").GetArrayLength(), Is.EqualTo(3));
        Assert.That(all.GetProperty("total").GetInt64(), Is.EqualTo(8));
        Assert.That(all.GetProperty("hasMore").GetBoolean(), Is.True);
    }

    [Test]
    public async Task FindAccounts_ForAGridLimitedInspector_OnlyInTheirGrid()
    {
        var grid = await _app.ScalarAsync<long>("SELECT grid_id FROM households WHERE id = @h", new { h = _firstHousehold });
        var other = await _app.ScalarAsync<long>("SELECT id FROM grids WHERE community_id = @c AND name = @name", new { c = _community, name = "二组" });

        var (own, page) = await GetAs("inspector", $"/accounts?q=组&gridId={grid}");
        var (unnamed, _) = await GetAs("inspector", "/accounts?q=组");
        var (elsewhere, _) = await GetAs("inspector", $"/accounts?q=组&gridId={other}");

        Assert.That(own, Is.EqualTo(HttpStatusCode.OK));
        var grids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("gridId").GetInt64()).ToList();
        Assert.That(grids, Is.Not.Empty);
        Assert.That(grids, Is.All.EqualTo(grid));
        Assert.That(unnamed, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(elsewhere, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task FindAccounts_WithoutAQuery_Is400()
    {
        var (status, problem) = await GetAs("committee", "/accounts");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").TryGetProperty("q", out _), Is.True);
    }

    [Test]
    public async Task HouseholdsAndResidents_ShowTheirAccount_OrNull()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var created = await committee.PostAsJsonAsync(Api("/households"), new { code = "无账户-" + Guid.NewGuid().ToString("N")[..6] });
        var fresh = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("householdId").GetInt64();

        var household = (await GetAs("committee", $"/households/{_firstHousehold}")).Body;
        var listed = (await GetAs("committee", $"/households?pageSize=100")).Body.GetProperty("items").EnumerateArray()
            .Single(h => h.GetProperty("id").GetInt64() == _firstHousehold);
        var without = (await GetAs("committee", $"/households/{fresh}")).Body;
        var resident = (await GetAs("reviewer", $"/residents?householdId={_firstHousehold}")).Body.GetProperty("items")[0];

        Assert.That(household.GetProperty("accountId").GetInt64(), Is.EqualTo(_firstAccount));
        Assert.That(listed.GetProperty("accountId").GetInt64(), Is.EqualTo(_firstAccount));
        Assert.That(without.GetProperty("accountId").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(resident.GetProperty("accountId").ValueKind, Is.EqualTo(JsonValueKind.Null), "household members have no person account");
    }

    [Test]
    public async Task PersonAccount_InAHouseholdModeCommunity_IsRefused_AndOpensNothing()
    {
        var resident = await _app.ScalarAsync<long>("SELECT MIN(id) FROM residents WHERE household_id = @h", new { h = _firstHousehold });
        var before = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM accounts");
        using var committee = await _app.ClientAsAsync("committee");

        var response = await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "person", ownerId = resident });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString(), Is.EqualTo("person_accounts_off"));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM accounts"), Is.EqualTo(before));
    }
}

[TestFixture]
public sealed class SqliteAccountsApiTests() : AccountsApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAccountsApiTests() : AccountsApiTests(DatabaseProvider.SqlServer);
