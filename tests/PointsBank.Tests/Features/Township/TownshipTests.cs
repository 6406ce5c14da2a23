using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Shops;
using PointsBank.Features.Township;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Township;

/// <summary>
/// 镇/街道概况 on every engine: a township user sees the communities granted to them side by side — participation,
/// points issued, redeemed and deducted, goods donated — ranked, and nothing of anyone: no names, no phones; other
/// communities stay out; no other role may send it.
/// </summary>
public abstract class TownshipTests(DatabaseProvider provider)
{
    private const string Month = "2026-11";

    private TestDatabase _db = null!;
    private TestCommunity _east = null!;
    private TestCommunity _west = null!;
    private TestCommunity _elsewhere = null!;
    private readonly List<(string Name, string Phone)> _residents = [];

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateTwoVillages()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _east = await _db.NewCommunityAsync();
        _west = await _db.NewCommunityAsync();
        _elsewhere = await _db.NewCommunityAsync();
        _residents.Clear();

        // East: four households, two earn, one of them is deducted, the other redeems; its shop receives a donation
        // worth 120 yuan.
        var east = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            east.Add(await HouseholdAsync(_east, $"东村居民{i}号", $"1390000{i:0000}"));
        }
        await _east.PostAsync(_east.Award(east[0], 30));
        await _east.PostAsync(_east.Award(east[1], 20));
        await _east.PostAsync(_east.Deduct(east[1], 5));
        await _east.PostAsync(_east.Redeem(east[0], 10));
        var shop = (await _db.Mediator.Send(new AddShop(_east.Id, "东村积分超市"))).Value!.ShopId;
        var product = (await _db.Mediator.Send(new AddProduct(_east.Id, shop, "大米", 10, "袋"))).Value!.Id;
        var donated = await _db.Mediator.Send(new RecordStockMovement(_east.Id, shop, product, "donation", 12, "爱心企业", 120m));
        Assert.That(donated.Failure, Is.Null, donated.Failure?.Detail);

        // West: two households, both earn.
        foreach (var i in new[] { 0, 1 })
        {
            var account = await HouseholdAsync(_west, $"西村居民{i}号", $"1380000{i:0000}");
            await _west.PostAsync(_west.Award(account, 10));
        }
        // Elsewhere: not the township's; its points must not show.
        var other = await HouseholdAsync(_elsewhere, "外村居民", "13700000000");
        await _elsewhere.PostAsync(_elsewhere.Award(other, 999));
    }

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private async Task<long> HouseholdAsync(TestCommunity community, string name, string phone)
    {
        var household = (await _db.Mediator.Send(new AddHousehold(community.Id, null, $"h-{Guid.NewGuid():N}"[..20]))).Value!.HouseholdId;
        Assert.That((await _db.Mediator.Send(new AddResident(community.Id, household, name, phone))).Failure, Is.Null);
        _residents.Add((name, phone));
        return (await _db.Mediator.Send(new OpenAccount(community.Id, "household", household))).Value!.AccountId;
    }

    private Caller Township(params long[] communities) =>
        Caller.User(77, "township", [.. communities.Select(c => new RoleGrant(c, Role.Township))]);

    [Test]
    public async Task TheTownship_SeesItsTwoVillagesSideBySide_Ranked_WithTheirFigures()
    {
        var summary = (await _db.SendAs(Township(_east.Id, _west.Id), new GetTownshipSummary(Month))).Value!;

        Assert.That(summary.Month, Is.EqualTo(Month));
        Assert.That(summary.Communities.Select(c => c.CommunityId), Is.EqualTo(new[] { _west.Id, _east.Id }), "west (100%) ranks above east (50%)");
        var (west, east) = (summary.Communities[0], summary.Communities[1]);
        Assert.That((west.Rank, west.Households, west.HouseholdsEarning, west.ParticipationPercent, west.PointsIssued, west.PointsRedeemed, west.PointsDeducted, west.DonatedYuan),
            Is.EqualTo((1, 2L, 2L, 100.0m, 20L, 0L, 0L, 0m)));
        Assert.That((east.Rank, east.Households, east.HouseholdsEarning, east.ParticipationPercent, east.PointsIssued, east.PointsRedeemed, east.PointsDeducted, east.DonatedYuan),
            Is.EqualTo((2, 4L, 2L, 50.0m, 50L, 10L, 5L, 120m)));
    }

    [Test]
    public async Task TheSummary_NamesNoResident_AndNoPhone_InJsonOrCsv()
    {
        var summary = (await _db.SendAs(Township(_east.Id, _west.Id), new GetTownshipSummary(Month))).Value!;
        var json = System.Text.Json.JsonSerializer.Serialize(summary);
        var csv = string.Join("\n", summary.ToCsv().Rows.Select(r => string.Join(",", r)));

        foreach (var (name, phone) in _residents)
        {
            Assert.That(json, Does.Not.Contain(name).And.Not.Contain(phone));
            Assert.That(csv, Does.Not.Contain(name).And.Not.Contain(phone));
        }
        Assert.That(csv, Does.Contain("100.0").And.Contain("50.0"));
    }

    [Test]
    public async Task ATownshipUser_SeesOnlyTheCommunitiesGrantedToThem()
    {
        var one = (await _db.SendAs(Township(_east.Id), new GetTownshipSummary(Month))).Value!;

        Assert.That(one.Communities.Select(c => c.CommunityId), Is.EqualTo(new[] { _east.Id }));
    }

    [Test]
    public void OtherRoles_MayNotSendIt_NorAnyoneWithoutARole()
    {
        foreach (var role in Roles.All.Where(r => r != Role.Township))
        {
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Acting.As(role, _east.Id), new GetTownshipSummary(Month)), role.ToString());
        }
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Caller.User(78, "nobody", []), new GetTownshipSummary(Month)));
        Assert.ThrowsAsync<NotAuthenticatedException>(() => _db.SendAs(Caller.Anonymous, new GetTownshipSummary(Month)));
    }

    [Test]
    public void ATownshipUser_IsNotStaff_InTheCommunity_SoReadsNoRoster()
    {
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Township(_east.Id), new ListResidents(_east.Id)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Township(_east.Id), new ListHouseholds(_east.Id)));
    }

    [Test]
    public void ABadMonth_IsRefused()
    {
        var error = Assert.ThrowsAsync<RequestValidationException>(() => _db.SendAs(Township(_east.Id), new GetTownshipSummary("2026-13")));
        Assert.That(error!.Errors.Select(e => e.Field), Does.Contain("month"));
    }
}

[TestFixture]
public sealed class SqliteTownshipTests() : TownshipTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTownshipTests() : TownshipTests(DatabaseProvider.SqlServer);
