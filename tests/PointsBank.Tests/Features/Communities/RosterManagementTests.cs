using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Communities;

/// <summary>
/// Managing communities, grids, households, residents and shops (issue 3 item 4), through the real pipeline: roles,
/// personal data, deactivation rules and the change history. Run for SQLite always, for SQL Server when configured.
/// </summary>
public abstract class RosterManagementTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private long _a;
    private long _b;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _a = (await _db.NewCommunityAsync()).Id;
        _b = (await _db.NewCommunityAsync()).Id;
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private Caller Committee => As(Role.Committee, _a);

    private static T Ok<T>(Outcome<T> outcome)
    {
        Assert.That(outcome.Failure, Is.Null, outcome.Failure?.Detail);
        return outcome.Value!;
    }

    private static void Fails<T>(Outcome<T> outcome, string code)
    {
        Assert.That(outcome.Failure?.Code, Is.EqualTo(code), outcome.Failure?.Detail ?? "it succeeded");
    }

    private Task<T> Send<T>(IRequest<T> request) => _db.SendAs(Committee, request);

    private async Task<IReadOnlyList<EntityChange>> HistoryOf(RosterEntity entity, long id) =>
        Ok(await Send(new GetChangeHistory(_a, entity.ToString().ToLowerInvariant(), id))).Items;

    private async Task<long> NewHousehold(string code, long? grid = null) =>
        Ok(await Send(new AddHousehold(_a, grid, code, "示范路 1 号"))).HouseholdId;

    [Test]
    public async Task CreateUpdateDeactivateReactivate_Household_EachLeaveAHistoryRowWithBeforeAndAfter()
    {
        var grid = Ok(await Send(new AddGrid(_a, "一组"))).GridId;
        var other = Ok(await Send(new AddGrid(_a, "二组"))).GridId;
        var household = await NewHousehold("一组-08", grid);

        _db.Clock.Advance(TimeSpan.FromMinutes(5));
        var updated = Ok(await Send(new UpdateHousehold(_a, household, other, "二组-01", "新村路 2 号")));
        _db.Clock.Advance(TimeSpan.FromMinutes(5));
        var deactivated = Ok(await Send(new DeactivateHousehold(_a, household)));
        var reactivated = Ok(await Send(new ReactivateHousehold(_a, household)));

        Assert.That(updated, Is.EqualTo(updated with { GridId = other, Code = "二组-01", Address = "新村路 2 号", IsActive = true }));
        Assert.That(deactivated.IsActive, Is.False);
        Assert.That(reactivated.IsActive, Is.True);
        var history = await HistoryOf(RosterEntity.Household, household);
        Assert.That(history.Select(h => h.Change), Is.EqualTo(new[] { "reactivate", "deactivate", "update", "create" }), "newest first");
        Assert.That(history, Has.All.Matches<EntityChange>(h => h.Actor == "user:committee" && h.Entity == "household" && h.EntityId == household));
        var (create, update, deactivate) = (history[3], history[2], history[1]);
        Assert.That(create.Before, Is.Null);
        Assert.That(create.After!.Value.GetProperty("code").GetString(), Is.EqualTo("一组-08"));
        Assert.That(create.After!.Value.GetProperty("gridId").GetInt64(), Is.EqualTo(grid));
        Assert.That(update.Before!.Value.GetProperty("code").GetString(), Is.EqualTo("一组-08"));
        Assert.That(update.After!.Value.GetProperty("code").GetString(), Is.EqualTo("二组-01"));
        Assert.That(update.After!.Value.GetProperty("address").GetString(), Is.EqualTo("新村路 2 号"));
        Assert.That(update.ChangedAt, Is.EqualTo(TestDatabase.DefaultNow.UtcDateTime.AddMinutes(5)));
        Assert.That(update.ChangedAt.Kind, Is.EqualTo(DateTimeKind.Utc));
        Assert.That(deactivate.Before!.Value.GetProperty("isActive").GetBoolean(), Is.True);
        Assert.That(deactivate.After!.Value.GetProperty("isActive").GetBoolean(), Is.False);
    }

    [Test]
    public async Task EveryAddRequest_AndCreatingTheCommunity_RecordACreation()
    {
        var grid = Ok(await Send(new AddGrid(_a, "一组"))).GridId;
        var household = await NewHousehold("一组-01", grid);
        var resident = Ok(await Send(new AddResident(_a, household, "张三明", "13800000001"))).ResidentId;
        var shop = Ok(await Send(new AddShop(_a, "积分超市"))).ShopId;

        var all = Ok(await Send(new GetChangeHistory(_a))).Items;

        Assert.That(all.Select(c => (c.Entity, c.EntityId, c.Change)), Is.EqualTo(new[]
        {
            ("shop", shop, "create"), ("resident", resident, "create"), ("household", household, "create"),
            ("grid", grid, "create"), ("community", _a, "create"),
        }));
        Assert.That(all[^1].Actor, Is.EqualTo("cli:test"), "the community was created from the test's command-line scope");
        Assert.That(all[1].After!.Value.GetProperty("fullName").GetString(), Is.EqualTo("张三明"), "committee reads personal data in history");
        Assert.That(all[1].After!.Value.GetProperty("phone").GetString(), Is.EqualTo("13800000001"));
        Assert.That(all[^1].After!.Value.GetProperty("accountMode").GetString(), Is.EqualTo("household"));
    }

    [Test]
    public async Task AChangeThatChangesNothing_AndARepeatedDeactivation_RecordNothingMore()
    {
        var grid = Ok(await Send(new AddGrid(_a, "一组"))).GridId;

        Ok(await Send(new UpdateGrid(_a, grid, "一组")));
        Ok(await Send(new DeactivateGrid(_a, grid)));
        var again = Ok(await Send(new DeactivateGrid(_a, grid)));

        Assert.That(again.IsActive, Is.False);
        Assert.That((await HistoryOf(RosterEntity.Grid, grid)).Select(h => h.Change), Is.EqualTo(new[] { "deactivate", "create" }));
    }

    [Test]
    public async Task Resident_IsMaskedForAnInspector_AndShownInFullToTheCommittee()
    {
        var household = await NewHousehold("一组-01");
        var resident = Ok(await Send(new AddResident(_a, household, "张三明", "13800000001"))).ResidentId;

        var forCommittee = Ok(await Send(new GetResident(_a, resident)));
        var forAdmin = Ok(await _db.SendAs(As(Role.Admin, _a), new GetResident(_a, resident)));
        var forInspector = Ok(await _db.SendAs(As(Role.Inspector, _a), new GetResident(_a, resident)));
        var listedForInspector = Ok(await _db.SendAs(As(Role.Inspector, _a), new ListResidents(_a, HouseholdId: household))).Items.Single();

        Assert.That(forCommittee, Is.EqualTo(forCommittee with { FullName = "张三明", Phone = "13800000001", NameMasked = false }));
        Assert.That(forAdmin.FullName, Is.EqualTo("张三明"));
        Assert.That(forInspector, Is.EqualTo(forCommittee with { FullName = "张*明", Phone = null, NameMasked = true }));
        Assert.That(listedForInspector, Is.EqualTo(forInspector));
    }

    [TestCase(Role.Reviewer)]
    [TestCase(Role.Inspector)]
    [TestCase(Role.Organizer)]
    [TestCase(Role.Shopkeeper)]
    public async Task Phone_IsNeverShown_ToRolesOtherThanCommitteeAndAdmin(Role role)
    {
        var shop = Ok(await Send(new AddShop(_a, "积分超市"))).ShopId;
        Ok(await Send(new AddResident(_a, null, "欧阳娜娜", "13800000002")));
        var caller = As(role, _a, shopId: role == Role.Shopkeeper ? shop : null);

        var residents = Ok(await _db.SendAs(caller, new ListResidents(_a))).Items;

        Assert.That(residents, Has.Count.EqualTo(1));
        Assert.That(residents[0].Phone, Is.Null);
        Assert.That(residents[0].FullName, Is.EqualTo("欧*娜"));
    }

    [Test]
    public async Task DeactivatedHousehold_RefusesNewResidents_AndResidentsCannotMoveOrComeBackIntoIt()
    {
        var closed = await NewHousehold("一组-01");
        var open = await NewHousehold("一组-02");
        var member = Ok(await Send(new AddResident(_a, closed, "李四"))).ResidentId;
        var elsewhere = Ok(await Send(new AddResident(_a, open, "王五"))).ResidentId;
        Ok(await Send(new DeactivateResident(_a, member)));
        Ok(await Send(new DeactivateHousehold(_a, closed)));

        Fails(await Send(new AddResident(_a, closed, "赵六")), "household_inactive");
        Fails(await Send(new UpdateResident(_a, elsewhere, closed, "王五")), "household_inactive");
        Fails(await Send(new ReactivateResident(_a, member)), "household_inactive");
        // A resident may stay in the deactivated household and still be corrected.
        Ok(await Send(new UpdateResident(_a, member, closed, "李四四")));
        Fails(await Send(new AddResident(_a, 999_999_999, "赵六")), "household_not_found");
        Assert.That(Ok(await Send(new GetHousehold(_a, closed))).IsActive, Is.False, "deactivated, never deleted");
    }

    [Test]
    public async Task DeactivatedGrid_RefusesNewHouseholds_AndHouseholdsCannotMoveIntoIt()
    {
        var grid = Ok(await Send(new AddGrid(_a, "一组"))).GridId;
        var staying = await NewHousehold("一组-01", grid);
        var outside = await NewHousehold("二组-01");
        Ok(await Send(new DeactivateGrid(_a, grid)));

        Fails(await Send(new AddHousehold(_a, grid, "一组-02")), "grid_inactive");
        Fails(await Send(new UpdateHousehold(_a, outside, grid, "二组-01")), "grid_inactive");
        Ok(await Send(new UpdateHousehold(_a, staying, grid, "一组-01", "改了地址")));
        Fails(await Send(new AddHousehold(_a, 999_999_999, "x-1")), "grid_not_found");
    }

    [Test]
    public async Task DeactivatedCommunity_TakesNothingNew_UntilReactivated()
    {
        Ok(await _db.SendAs(SystemAdmin(), new DeactivateCommunity(_a)));

        Fails(await Send(new AddGrid(_a, "一组")), "community_inactive");
        Fails(await Send(new AddHousehold(_a, null, "一组-01")), "community_inactive");
        Assert.That(Ok(await Send(new GetCommunity(_a))).IsActive, Is.False);

        Ok(await _db.SendAs(As(Role.Admin, _a), new ReactivateCommunity(_a)));
        Ok(await Send(new AddGrid(_a, "一组")));
        Assert.That((await HistoryOf(RosterEntity.Community, _a)).Select(h => (h.Change, h.Actor)), Is.EqualTo(new[]
        {
            ("reactivate", "user:admin"), ("deactivate", "user:root"), ("create", "cli:test"),
        }));
    }

    [Test]
    public async Task DuplicateCodesAndNames_AreConflicts()
    {
        var first = await NewHousehold("一组-01");
        var second = await NewHousehold("一组-02");
        Ok(await Send(new AddGrid(_a, "一组")));
        var shop = Ok(await Send(new AddShop(_a, "积分超市"))).ShopId;
        var otherShop = Ok(await Send(new AddShop(_a, "爱心商家"))).ShopId;

        Fails(await Send(new AddHousehold(_a, null, "一组-01")), "household_code_exists");
        Fails(await Send(new AddHousehold(_a, null, "  一组-01 ")), "household_code_exists");
        Fails(await Send(new UpdateHousehold(_a, second, null, "一组-01")), "household_code_exists");
        Fails(await Send(new AddGrid(_a, "一组")), "grid_name_exists");
        Fails(await Send(new UpdateShop(_a, otherShop, "积分超市")), "shop_name_exists");
        Ok(await Send(new UpdateHousehold(_a, first, null, "一组-01", "同一户改地址")));
        Ok(await Send(new UpdateShop(_a, shop, "积分超市")));
        Ok(await _db.SendAs(As(Role.Committee, _b), new AddHousehold(_b, null, "一组-01")));
        Assert.That(ProblemCatalog.Get("household_code_exists").Status, Is.EqualTo(409));
        Assert.That((await HistoryOf(RosterEntity.Household, second)).Select(h => h.Change), Is.EqualTo(new[] { "create" }),
            "a refused change records nothing");
        Assert.That(Ok(await Send(new GetHousehold(_a, second))).Code, Is.EqualTo("一组-02"));
    }

    [Test]
    public async Task Lists_ArePaged_AndShowInactiveOnlyWhenAsked()
    {
        var households = new List<long>();
        foreach (var code in new[] { "c", "a", "b" })
        {
            households.Add(await NewHousehold(code));
        }
        Ok(await Send(new DeactivateHousehold(_a, households[1])));

        var first = Ok(await Send(new ListHouseholds(_a, PageSize: 1)));
        var second = Ok(await Send(new ListHouseholds(_a, Page: 2, PageSize: 1)));
        var all = Ok(await Send(new ListHouseholds(_a, IncludeInactive: true)));

        Assert.That((first.Total, first.HasMore, first.Items.Single().Code), Is.EqualTo((2L, true, "b")));
        Assert.That((second.HasMore, second.Items.Single().Code), Is.EqualTo((false, "c")));
        Assert.That(all.Items.Select(h => h.Code), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(all.PageSize, Is.EqualTo(Paging.DefaultPageSize));
    }

    [TestCase(0, 50)]
    [TestCase(1, 0)]
    [TestCase(1, 101)]
    [TestCase(-1, 10)]
    public void Lists_RefuseOutOfRangePaging(int page, int pageSize)
    {
        var sends = new (string Name, Func<Task> Send)[]
        {
            ("grids", () => Send(new ListGrids(_a, Page: page, PageSize: pageSize))),
            ("households", () => Send(new ListHouseholds(_a, Page: page, PageSize: pageSize))),
            ("residents", () => Send(new ListResidents(_a, Page: page, PageSize: pageSize))),
            ("shops", () => Send(new ListShops(_a, Page: page, PageSize: pageSize))),
            ("changes", () => Send(new GetChangeHistory(_a, Page: page, PageSize: pageSize))),
        };
        foreach (var (name, send) in sends)
        {
            var invalid = Assert.ThrowsAsync<RequestValidationException>(() => send());
            Assert.That(invalid!.Errors.Select(e => e.Field), Is.SubsetOf(new[] { "page", "pageSize" }).And.Not.Empty, name);
        }
    }

    [Test]
    public async Task ResidentsList_FiltersByHouseholdAndGrid()
    {
        var grid = Ok(await Send(new AddGrid(_a, "一组"))).GridId;
        var inGrid = await NewHousehold("一组-01", grid);
        var noGrid = await NewHousehold("散户-01");
        var a = Ok(await Send(new AddResident(_a, inGrid, "张三"))).ResidentId;
        var b = Ok(await Send(new AddResident(_a, noGrid, "李四"))).ResidentId;
        var c = Ok(await Send(new AddResident(_a, null, "王五"))).ResidentId;

        Assert.That(Ok(await Send(new ListResidents(_a, GridId: grid))).Items.Select(r => r.Id), Is.EqualTo(new[] { a }));
        Assert.That(Ok(await Send(new ListResidents(_a, HouseholdId: noGrid))).Items.Select(r => r.Id), Is.EqualTo(new[] { b }));
        Assert.That(Ok(await Send(new ListResidents(_a))).Items.Select(r => r.Id), Is.EqualTo(new[] { a, b, c }));
    }

    [Test]
    public async Task AReviewer_CannotCreateAHousehold()
    {
        var refused = Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(Role.Reviewer, _a), new AddHousehold(_a, null, "一组-01")));

        Assert.That(refused!.Code, Is.EqualTo("forbidden"));
        Assert.That(Ok(await Send(new ListHouseholds(_a, IncludeInactive: true))).Total, Is.Zero);
    }

    [Test]
    public async Task CommitteeOfOneCommunity_CannotReadOrChangeAnothersResidents()
    {
        var resident = Ok(await _db.SendAs(As(Role.Committee, _b), new AddResident(_b, null, "张三明", "13800000001"))).ResidentId;

        Assert.That(Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Committee, new ListResidents(_b)))!.Code, Is.EqualTo("forbidden"));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Committee, new GetResident(_b, resident)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Committee, new DeactivateResident(_b, resident)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Committee, new GetChangeHistory(_b)));
        // Naming the other community's resident under one's own community finds nothing.
        Fails(await Send(new GetResident(_a, resident)), "resident_not_found");
        Fails(await Send(new UpdateResident(_a, resident, null, "冒名")), "resident_not_found");
    }

    [Test]
    public async Task GridLimitedInspector_ListsHouseholdsAndResidentsOfTheirGridOnly()
    {
        var own = Ok(await Send(new AddGrid(_a, "一组"))).GridId;
        var other = Ok(await Send(new AddGrid(_a, "二组"))).GridId;
        var household = await NewHousehold("一组-01", own);
        await NewHousehold("二组-01", other);
        var inspector = As(Role.Inspector, _a, gridId: own);

        var households = Ok(await _db.SendAs(inspector, new ListHouseholds(_a, own))).Items;
        var residents = Ok(await _db.SendAs(inspector, new ListResidents(_a, GridId: own))).Items;

        Assert.That(households.Select(h => h.Id), Is.EqualTo(new[] { household }));
        Assert.That(residents, Is.Empty);
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(inspector, new ListHouseholds(_a, other)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(inspector, new ListHouseholds(_a)));
    }

    [TestCase(Role.Reviewer)]
    [TestCase(Role.Inspector)]
    [TestCase(Role.Organizer)]
    public void ChangeHistory_IsForCommitteeAndAdminsOnly(Role role)
    {
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(role, _a), new GetChangeHistory(_a)));
    }

    [Test]
    public async Task ChangeHistory_FiltersByEntityAndRow()
    {
        var first = Ok(await Send(new AddGrid(_a, "一组"))).GridId;
        Ok(await Send(new AddGrid(_a, "二组")));
        Ok(await Send(new UpdateGrid(_a, first, "第一组")));
        await NewHousehold("一组-01", first);

        var grids = Ok(await Send(new GetChangeHistory(_a, "grid")));
        var one = Ok(await Send(new GetChangeHistory(_a, "grid", first)));
        var page = Ok(await Send(new GetChangeHistory(_a, PageSize: 2)));

        Assert.That(grids.Total, Is.EqualTo(3));
        Assert.That(one.Items.Select(c => c.Change), Is.EqualTo(new[] { "update", "create" }));
        Assert.That(one.Items[0].Before!.Value.GetProperty("name").GetString(), Is.EqualTo("一组"));
        Assert.That(one.Items[0].After!.Value.GetProperty("name").GetString(), Is.EqualTo("第一组"));
        Assert.That((page.Total, page.HasMore, page.Items[0].Entity), Is.EqualTo((5L, true, "household")));
        Assert.ThrowsAsync<RequestValidationException>(() => Send(new GetChangeHistory(_a, "account")));
        Assert.ThrowsAsync<RequestValidationException>(() => Send(new GetChangeHistory(_a, EntityId: first)));
    }

    [Test]
    public async Task Community_IsUpdatedByAnAdmin_NotByTheCommittee()
    {
        var updated = Ok(await _db.SendAs(As(Role.Admin, _a), new UpdateCommunity(_a, "新名字村", "Asia/Urumqi", "person", "allow_negative")));

        Assert.That((updated.Name, updated.TimeZone, updated.AccountMode, updated.PenaltyPolicy),
            Is.EqualTo(("新名字村", "Asia/Urumqi", "person", "allow_negative")));
        Assert.ThrowsAsync<ForbiddenException>(() => Send(new UpdateCommunity(_a, "x", "Asia/Shanghai", "household", "cap")));
        Assert.ThrowsAsync<ForbiddenException>(() => Send(new DeactivateCommunity(_a)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(Role.Admin, _b), new DeactivateCommunity(_a)));
        var change = (await HistoryOf(RosterEntity.Community, _a))[0];
        Assert.That(change.Before!.Value.GetProperty("accountMode").GetString(), Is.EqualTo("household"));
        Assert.That(change.After!.Value.GetProperty("accountMode").GetString(), Is.EqualTo("person"));
        Assert.That(Ok(await _db.SendAs(As(Role.Shopkeeper, _a, shopId: 1), new GetCommunity(_a))).Name, Is.EqualTo("新名字村"));
    }

    [Test]
    public void Community_SettingsAreValidated()
    {
        var invalid = Assert.ThrowsAsync<RequestValidationException>(() =>
            _db.SendAs(As(Role.Admin, _a), new UpdateCommunity(_a, " ", "Mars/Olympus", "family", "forgive")));

        Assert.That(invalid!.Errors.Select(e => e.Field), Is.EquivalentTo(new[] { "name", "timeZone", "accountMode", "penaltyPolicy" }));
        Assert.That(invalid.Errors, Has.All.Matches<FieldError>(e => e.Zh != e.En && e.Zh.Length > 0));
    }

    [Test]
    public async Task NotFound_IsReportedPerKind()
    {
        Fails(await Send(new UpdateGrid(_a, 999_999_999, "x")), "grid_not_found");
        Fails(await Send(new DeactivateHousehold(_a, 999_999_999)), "household_not_found");
        Fails(await Send(new ReactivateResident(_a, 999_999_999)), "resident_not_found");
        Fails(await Send(new UpdateShop(_a, 999_999_999, "x")), "shop_not_found");
        Fails(await _db.SendAs(SystemAdmin(), new GetCommunity(999_999_999)), "community_not_found");
        Fails(await _db.SendAs(SystemAdmin(), new UpdateCommunity(999_999_999, "x", "Asia/Shanghai", "household", "cap")), "community_not_found");
    }

    [Test]
    public async Task Shop_CanBeRenamedDeactivatedAndReactivated()
    {
        var shop = Ok(await Send(new AddShop(_a, "积分超市"))).ShopId;

        Ok(await Send(new UpdateShop(_a, shop, "村积分超市")));
        Ok(await Send(new DeactivateShop(_a, shop)));
        Assert.That(Ok(await Send(new ListShops(_a))).Items, Is.Empty);
        var back = Ok(await Send(new ReactivateShop(_a, shop)));

        Assert.That((back.Name, back.IsActive), Is.EqualTo(("村积分超市", true)));
        Assert.That((await HistoryOf(RosterEntity.Shop, shop)).Select(h => h.Change),
            Is.EqualTo(new[] { "reactivate", "deactivate", "update", "create" }));
    }
}

[TestFixture]
public sealed class SqliteRosterManagementTests() : RosterManagementTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRosterManagementTests() : RosterManagementTests(DatabaseProvider.SqlServer);
