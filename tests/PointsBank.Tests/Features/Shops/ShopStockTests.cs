using MediatR;
using PointsBank.Features.Communities;
using PointsBank.Features.Shops;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Shops;

/// <summary>
/// Shops, their products and stock (issue 8), through the real pipeline: the catalogue, each kind of movement, the
/// refusals (which change nothing), who may do what, stock that never goes below zero under concurrent stock-takes,
/// and verify catching a tampered stock count. Run for SQLite always, for SQL Server when configured.
/// </summary>
public abstract class ShopStockTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private long _a;
    private long _b;
    private long _shop;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _a = (await _db.NewCommunityAsync()).Id;
        _b = (await _db.NewCommunityAsync()).Id;
        _shop = Ok(await Send(new AddShop(_a, "积分超市"))).ShopId;
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

    private static void Fails<T>(Outcome<T> outcome, string code) =>
        Assert.That(outcome.Failure?.Code, Is.EqualTo(code), outcome.Failure?.Detail ?? "it succeeded");

    private Task<T> Send<T>(IRequest<T> request) => _db.SendAs(Committee, request);

    private async Task<ProductView> NewProductAsync(string name = "洗衣粉", long price = 30, string unit = "袋", long stock = 0, long? shop = null)
    {
        var product = Ok(await Send(new AddProduct(_a, shop ?? _shop, name, price, unit)));
        if (stock > 0)
        {
            Ok(await Send(new RecordStockMovement(_a, shop ?? _shop, product.Id, StockKinds.Restock, stock)));
        }
        return product;
    }

    private async Task<ProductView> ProductAsync(long productId, long? shop = null) =>
        Ok(await Send(new ListProducts(_a, shop ?? _shop))).Single(p => p.Id == productId);

    private async Task<IReadOnlyList<MovementView>> MovementsAsync(long productId) =>
        Ok(await Send(new ListProductMovements(_a, _shop, productId))).Items;

    // What a refused request must leave untouched: every product's stock and every movement of this test's communities
    // (only theirs: on a shared SQL Server other tests have shops too).
    private async Task<string> StockSnapshotAsync() =>
        $"{await _db.ScalarRawAsync($"SELECT COUNT(*) FROM stock_movements WHERE community_id IN ({_a}, {_b})")}|" +
        $"{await _db.ScalarRawAsync($"SELECT SUM(on_hand) FROM products WHERE community_id IN ({_a}, {_b})")}";

    [Test]
    public async Task Shops_CarryTheirKind_SupermarketByDefault_OnAddUpdateListAndGet()
    {
        var partner = Ok(await Send(new AddShop(_a, "村口小卖部", Kind: ShopKinds.Partner))).ShopId;

        Assert.That(Ok(await Send(new GetShop(_a, _shop))).Kind, Is.EqualTo("supermarket"));
        Assert.That(Ok(await Send(new GetShop(_a, partner))).Kind, Is.EqualTo("partner"));
        Assert.That(Ok(await Send(new ListShops(_a))).Items.Select(s => (s.Name, s.Kind)),
            Is.EqualTo(new[] { ("积分超市", "supermarket"), ("村口小卖部", "partner") }));
        Assert.That(Ok(await Send(new UpdateShop(_a, partner, "村口爱心小卖部"))).Kind, Is.EqualTo("partner"), "a rename keeps the kind");
        Assert.That(Ok(await Send(new UpdateShop(_a, partner, "村口爱心小卖部", ShopKinds.Supermarket))).Kind, Is.EqualTo("supermarket"));
        Assert.ThrowsAsync<RequestValidationException>(() => Send(new AddShop(_a, "别的店", Kind: "bakery")));
    }

    [Test]
    public async Task Products_AreAddedListedAndChanged_AndNamesAreUniqueInTheShop()
    {
        var soap = await NewProductAsync("肥皂", 10, "块");
        var oil = await NewProductAsync("食用油", 120, "桶");

        Assert.That(soap, Is.EqualTo(soap with { Name = "肥皂", PointsPrice = 10, Unit = "块", OnHand = 0, IsActive = true, ShopId = _shop }));
        Fails(await Send(new AddProduct(_a, _shop, "肥皂", 12, "块")), "product_name_exists");
        var changed = Ok(await Send(new UpdateProduct(_a, _shop, soap.Id, PointsPrice: 12, IsActive: false)));
        Assert.That(changed, Is.EqualTo(soap with { PointsPrice = 12, IsActive = false }), "what is not given stays");
        Fails(await Send(new UpdateProduct(_a, _shop, oil.Id, Name: "肥皂")), "product_name_exists");
        Assert.That(Ok(await Send(new ListProducts(_a, _shop))).Select(p => (p.Name, p.PointsPrice, p.IsActive)),
            Is.EqualTo(new[] { ("食用油", 120L, true), ("肥皂", 12L, false) }), "offered first, withdrawn ones listed too");
        Fails(await Send(new UpdateProduct(_a, _shop, 999_999, PointsPrice: 5)), "product_not_found");
        Fails(await Send(new AddProduct(_a, 999_999, "大米", 80, "袋")), "shop_not_found");
        Assert.ThrowsAsync<RequestValidationException>(() => Send(new AddProduct(_a, _shop, "大米", 0, "袋")));
        Assert.ThrowsAsync<RequestValidationException>(() => Send(new UpdateProduct(_a, _shop, oil.Id)), "nothing to change");
    }

    [Test]
    public async Task EachMovementKind_MovesTheStock_AndTheHistoryIsNewestFirst_WithDonorAndValue()
    {
        var powder = await NewProductAsync();

        var restocked = Ok(await Send(new RecordStockMovement(_a, _shop, powder.Id, StockKinds.Restock, 40, Note: "镇上批发部")));
        _db.Clock.Advance(TimeSpan.FromMinutes(1));
        var donated = Ok(await Send(new RecordStockMovement(_a, _shop, powder.Id, StockKinds.Donation, 20, "县供销社", 96.50m)));
        _db.Clock.Advance(TimeSpan.FromMinutes(1));
        var corrected = Ok(await Send(new RecordStockMovement(_a, _shop, powder.Id, StockKinds.Correction, -2, Note: "包装破损 2 袋")));

        Assert.That(restocked.Product.OnHand, Is.EqualTo(40));
        Assert.That(donated.Product.OnHand, Is.EqualTo(60));
        Assert.That(corrected.Product.OnHand, Is.EqualTo(58));
        Assert.That((await ProductAsync(powder.Id)).OnHand, Is.EqualTo(58));
        Assert.That(donated.Movement, Is.EqualTo(donated.Movement with
        {
            Kind = "donation", Quantity = 20, Donor = "县供销社", ValueFen = 9650, Actor = "user:committee", ProductName = "洗衣粉",
        }));
        Assert.That(donated.Movement.ValueYuan, Is.EqualTo(96.50m));
        var history = await MovementsAsync(powder.Id);
        Assert.That(history.Select(m => (m.Kind, m.Quantity)), Is.EqualTo(new[] { ("correction", -2L), ("donation", 20L), ("restock", 40L) }));
        Assert.That(history[0].Note, Is.EqualTo("包装破损 2 袋"));
        Assert.That(history[2].Donor, Is.Null);
        Assert.That(await _db.ScalarRawAsync($"SELECT value_fen FROM stock_movements WHERE id = {donated.Movement.Id}"), Is.EqualTo(9650L));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task ShopMovements_AreFilteredByLocalDays_AndByKind()
    {
        var rice = await NewProductAsync("大米", 80, "袋");
        var eggs = await NewProductAsync("鸡蛋", 40, "盒");
        // 2026-11-15 02:00 UTC is 10:00 on the 15th in China; 17:00 UTC is already 01:00 on the 16th there.
        Ok(await Send(new RecordStockMovement(_a, _shop, rice.Id, StockKinds.Restock, 10)));
        _db.Clock.Advance(TimeSpan.FromHours(15));
        Ok(await Send(new RecordStockMovement(_a, _shop, eggs.Id, StockKinds.Donation, 5, "爱心企业 惠民超市")));

        var day15 = Ok(await Send(new ListShopMovements(_a, _shop, new DateOnly(2026, 11, 15), new DateOnly(2026, 11, 15)))).Items;
        var day16 = Ok(await Send(new ListShopMovements(_a, _shop, new DateOnly(2026, 11, 16)))).Items;
        var all = Ok(await Send(new ListShopMovements(_a, _shop))).Items;
        var donations = Ok(await Send(new ListShopMovements(_a, _shop, Kind: "donation"))).Items;

        Assert.That(day15.Select(m => m.ProductName), Is.EqualTo(new[] { "大米" }));
        Assert.That(day16.Select(m => m.ProductName), Is.EqualTo(new[] { "鸡蛋" }));
        Assert.That(all.Select(m => m.ProductName), Is.EqualTo(new[] { "鸡蛋", "大米" }), "newest first");
        Assert.That(donations.Select(m => m.Donor), Is.EqualTo(new[] { "爱心企业 惠民超市" }));
    }

    private static IEnumerable<TestCaseData> RefusedMovements()
    {
        yield return new TestCaseData(StockKinds.Donation, 5L, null, null, null).SetName("Donation_WithoutDonor_IsRefused");
        yield return new TestCaseData(StockKinds.Donation, 5L, "县供销社", 1.005m, null).SetName("Donation_ValueWithThreeDecimals_IsRefused");
        yield return new TestCaseData(StockKinds.Donation, 5L, "县供销社", -1m, null).SetName("Donation_NegativeValue_IsRefused");
        yield return new TestCaseData(StockKinds.Donation, -5L, "县供销社", null, null).SetName("Donation_Negative_IsRefused");
        yield return new TestCaseData(StockKinds.Restock, 0L, null, null, null).SetName("Restock_Zero_IsRefused");
        yield return new TestCaseData(StockKinds.Restock, -3L, null, null, null).SetName("Restock_Negative_IsRefused");
        yield return new TestCaseData(StockKinds.Restock, 3L, "县供销社", null, null).SetName("Restock_WithADonor_IsRefused");
        yield return new TestCaseData(StockKinds.Correction, -1L, null, null, null).SetName("Correction_WithoutNote_IsRefused");
        yield return new TestCaseData(StockKinds.Correction, 0L, null, null, "盘点").SetName("Correction_Zero_IsRefused");
        yield return new TestCaseData(StockKinds.Redemption, -1L, null, null, "柜台").SetName("Redemption_IsRefused_OnlyTheCounterMakesIt");
        yield return new TestCaseData(StockKinds.Return, 1L, null, null, "退货").SetName("Return_IsRefused_OnlyAReturnMakesIt");
        yield return new TestCaseData("gift", 1L, null, null, null).SetName("UnknownKind_IsRefused");
    }

    [TestCaseSource(nameof(RefusedMovements))]
    public async Task InvalidMovement_IsRefused_AndChangesNothing(string kind, long quantity, string? donor, decimal? value, string? note)
    {
        var powder = await NewProductAsync(stock: 10);
        var before = await StockSnapshotAsync();

        var refused = Assert.ThrowsAsync<RequestValidationException>(() => Send(new RecordStockMovement(_a, _shop, powder.Id, kind, quantity, donor, value, note)));

        Assert.That(refused!.Errors, Is.Not.Empty);
        Assert.That(await StockSnapshotAsync(), Is.EqualTo(before));
        Assert.That((await ProductAsync(powder.Id)).OnHand, Is.EqualTo(10));
    }

    [Test]
    public async Task Correction_BelowZero_IsOutOfStock_AndChangesNothing()
    {
        var oil = await NewProductAsync("食用油", 120, "桶", stock: 3);
        var before = await StockSnapshotAsync();

        Fails(await Send(new RecordStockMovement(_a, _shop, oil.Id, StockKinds.Correction, -4, Note: "盘点少了 4 桶")), "out_of_stock");

        Assert.That(await StockSnapshotAsync(), Is.EqualTo(before));
        Assert.That((await ProductAsync(oil.Id)).OnHand, Is.EqualTo(3));
        Ok(await Send(new RecordStockMovement(_a, _shop, oil.Id, StockKinds.Correction, -3, Note: "盘点少了 3 桶")));
        Assert.That((await ProductAsync(oil.Id)).OnHand, Is.Zero, "down to exactly zero is fine");
    }

    [Test]
    public async Task Movement_OfAnotherShopsProduct_IsProductNotFound()
    {
        var other = Ok(await Send(new AddShop(_a, "二号店"))).ShopId;
        var soap = await NewProductAsync("肥皂", 10, "块", shop: other);

        Fails(await Send(new RecordStockMovement(_a, _shop, soap.Id, StockKinds.Restock, 5)), "product_not_found");
        Fails(await Send(new ListProductMovements(_a, _shop, soap.Id)), "product_not_found");
        Fails(await Send(new RecordStockMovement(_a, 999_999, soap.Id, StockKinds.Restock, 5)), "shop_not_found");
    }

    [Test]
    public async Task ShopkeeperOfShopA_ManagesShopA_ButCannotTouchOrReadShopB()
    {
        var shopB = Ok(await Send(new AddShop(_a, "二号店"))).ShopId;
        var inB = await NewProductAsync("毛巾", 20, "条", stock: 5, shop: shopB);
        var keeperOfA = As(Role.Shopkeeper, _a, shopId: _shop);

        var own = Ok(await _db.SendAs(keeperOfA, new AddProduct(_a, _shop, "牙膏", 15, "支")));
        Ok(await _db.SendAs(keeperOfA, new RecordStockMovement(_a, _shop, own.Id, StockKinds.Restock, 30)));
        Ok(await _db.SendAs(keeperOfA, new UpdateProduct(_a, _shop, own.Id, PointsPrice: 16)));
        Assert.That(Ok(await _db.SendAs(keeperOfA, new ListProductMovements(_a, _shop, own.Id))).Items, Has.Count.EqualTo(1));
        var before = await StockSnapshotAsync();

        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(keeperOfA, new AddProduct(_a, shopB, "牙刷", 5, "支")));
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(keeperOfA, new RecordStockMovement(_a, shopB, inB.Id, StockKinds.Correction, -5, Note: "x")));
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(keeperOfA, new UpdateProduct(_a, shopB, inB.Id, PointsPrice: 1)));
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(keeperOfA, new ListProducts(_a, shopB)));
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(keeperOfA, new ListProductMovements(_a, shopB, inB.Id)));
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(keeperOfA, new ListShopMovements(_a, shopB)));
        });
        // Disguising shop B's product as shop A's finds nothing: the product must belong to the shop named.
        Fails(await _db.SendAs(keeperOfA, new RecordStockMovement(_a, _shop, inB.Id, StockKinds.Correction, -5, Note: "x")), "product_not_found");
        Assert.That(await StockSnapshotAsync(), Is.EqualTo(before));
        Assert.That((await ProductAsync(inB.Id, shopB)).PointsPrice, Is.EqualTo(20));
    }

    [TestCase(Role.Reviewer)]
    [TestCase(Role.Inspector)]
    [TestCase(Role.Organizer)]
    public async Task OtherStaffOfTheCommunity_ReadTheProducts_ButNeitherChangeThemNorSeeMovements(Role role)
    {
        var soap = await NewProductAsync("肥皂", 10, "块", stock: 4);
        var caller = As(role, _a);

        Assert.That(Ok(await _db.SendAs(caller, new ListProducts(_a, _shop))).Single().OnHand, Is.EqualTo(4));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(caller, new RecordStockMovement(_a, _shop, soap.Id, StockKinds.Restock, 1)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(caller, new AddProduct(_a, _shop, "牙膏", 15, "支")));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(caller, new ListProductMovements(_a, _shop, soap.Id)));
    }

    [TestCase(Role.Committee)]
    [TestCase(Role.Shopkeeper)]
    [TestCase(Role.Admin)]
    public async Task StaffOfAnotherCommunity_CannotReadOrWriteThisCommunitysShop(Role role)
    {
        var soap = await NewProductAsync("肥皂", 10, "块", stock: 4);
        var outsider = As(role, _b, shopId: role == Role.Shopkeeper ? _shop : null);

        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(outsider, new ListProducts(_a, _shop)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(outsider, new ListShopMovements(_a, _shop)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(outsider, new RecordStockMovement(_a, _shop, soap.Id, StockKinds.Restock, 1)));
        // Naming its own community with this community's shop finds no such shop there.
        Fails(await _db.SendAs(As(Role.Committee, _b), new ListProducts(_b, _shop)), "shop_not_found");
        Fails(await _db.SendAs(As(Role.Committee, _b), new RecordStockMovement(_b, _shop, soap.Id, StockKinds.Restock, 1)), "shop_not_found");
        Assert.That((await ProductAsync(soap.Id)).OnHand, Is.EqualTo(4));
    }

    [Test]
    public async Task TenConcurrentStockTakesOfMinusOne_AgainstAStockOfThree_ExactlyThreeSucceed_AndStockEndsAtZero()
    {
        var oil = await NewProductAsync("食用油", 120, "桶", stock: 3);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            Send(new RecordStockMovement(_a, _shop, oil.Id, StockKinds.Correction, -1, Note: $"盘点 {i}")))));

        Assert.That(outcomes.Count(o => o.Succeeded), Is.EqualTo(3));
        Assert.That(outcomes.Where(o => !o.Succeeded).Select(o => o.Failure!.Code), Is.All.EqualTo("out_of_stock"));
        Assert.That((await ProductAsync(oil.Id)).OnHand, Is.Zero);
        Assert.That((await MovementsAsync(oil.Id)).Count(m => m.Kind == "correction"), Is.EqualTo(3));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task ConcurrentRestocksAndStockTakes_NeverDriveStockBelowZero_AndStockEqualsTheMovements()
    {
        var eggs = await NewProductAsync("鸡蛋", 40, "盒", stock: 2);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => i % 4 == 0
            ? Send(new RecordStockMovement(_a, _shop, eggs.Id, StockKinds.Restock, 1))
            : Send(new RecordStockMovement(_a, _shop, eggs.Id, StockKinds.Correction, -1, Note: $"破损 {i}")))));

        var product = await ProductAsync(eggs.Id);
        var moved = (await MovementsAsync(eggs.Id)).Sum(m => m.Quantity);
        Assert.That(product.OnHand, Is.GreaterThanOrEqualTo(0));
        Assert.That(product.OnHand, Is.EqualTo(moved));
        Assert.That(outcomes.Count(o => o.Succeeded), Is.EqualTo((await MovementsAsync(eggs.Id)).Count - 1), "one movement per success, plus the first restock");
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task Verify_FindsAStockCountTamperedInTheDatabase_AndNamesTheProduct()
    {
        var rice = await NewProductAsync("大米", 80, "袋", stock: 20);
        Assert.That(VerificationOf(await _db.VerifyOwnAsync()).Break, Is.Null);

        await _db.ExecuteRawAsync($"UPDATE products SET on_hand = on_hand + 5 WHERE id = {rice.Id}");

        var broken = VerificationOf(await _db.VerifyOwnAsync()).Break;
        Assert.That(broken, Is.Not.Null);
        Assert.That(broken!.What, Does.Contain($"product {rice.Id}").And.Contain("大米").And.Contain("25").And.Contain("20"));
    }

    private PointsBank.Ledger.CommunityVerification VerificationOf(PointsBank.Ledger.VerifyReport report) => report.Communities.Single(c => c.CommunityId == _a);

    [Test]
    public async Task Products_CannotBeAddedToADeactivatedShop_ButItsStockCanStillBeCounted()
    {
        var soap = await NewProductAsync("肥皂", 10, "块", stock: 4);
        Ok(await Send(new DeactivateShop(_a, _shop)));

        Fails(await Send(new AddProduct(_a, _shop, "牙膏", 15, "支")), "shop_inactive");
        Ok(await Send(new RecordStockMovement(_a, _shop, soap.Id, StockKinds.Correction, -4, Note: "闭店清点")));
        Assert.That((await ProductAsync(soap.Id)).OnHand, Is.Zero);
    }
}

[TestFixture]
public sealed class SqliteShopStockTests() : ShopStockTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerShopStockTests() : ShopStockTests(DatabaseProvider.SqlServer);
