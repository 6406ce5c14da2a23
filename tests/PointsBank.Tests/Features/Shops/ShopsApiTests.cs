using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Shops;

/// <summary>
/// Shops and stock through the real host: the routes and fields of API.md, problem details with their codes for
/// refusals (which change nothing), an Idempotency-Key that makes a retried movement harmless, the demo shelf, and
/// a shopkeeper kept to their own shop.
/// </summary>
public abstract class ShopsApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _shop;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
        _shop = await _app.ScalarAsync<long>("SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'");
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<long> OnHandAsync(long product) => await _app.ScalarAsync<long>("SELECT on_hand FROM products WHERE id = @product", new { product });

    private async Task<long> MovementCountAsync() => await _app.ScalarAsync<long>("SELECT COUNT(*) FROM stock_movements");

    private async Task<long> NewProductAsync(HttpClient client, string prefix)
    {
        var created = await client.PostAsJsonAsync(Api($"/shops/{_shop}/products"), new { name = $"{prefix}{Guid.NewGuid():N}"[..12], pointsPrice = 25, unit = "瓶" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        return (await Json(created)).GetProperty("id").GetInt64();
    }

    [Test]
    public async Task Shopkeeper_AddsAProduct_RestocksIt_RecordsADonation_AndReadsTheStockAndHistory()
    {
        using var keeper = await _app.ClientAsAsync("shopkeeper");
        var created = await keeper.PostAsJsonAsync(Api($"/shops/{_shop}/products"), new { name = "酱油（测试）", pointsPrice = 25, unit = "瓶" });
        var product = await Json(created);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), product.ToString());
        var id = product.GetProperty("id").GetInt64();
        Assert.That(created.Headers.Location?.ToString(), Is.EqualTo(Api($"/shops/{_shop}/products/{id}")));
        Assert.That(product.GetProperty("onHand").GetInt64(), Is.Zero);
        Assert.That(product.GetProperty("isActive").GetBoolean(), Is.True);

        var restock = await keeper.PostAsJsonAsync(Api($"/shops/{_shop}/products/{id}/movements"), new { kind = "restock", quantity = 12 });
        Assert.That(restock.StatusCode, Is.EqualTo(HttpStatusCode.Created), await restock.Content.ReadAsStringAsync());
        var donation = await Json(await keeper.PostAsJsonAsync(Api($"/shops/{_shop}/products/{id}/movements"),
            new { kind = "donation", quantity = 6, donor = "爱心企业 惠民超市", valueYuan = 96.5 }));
        Assert.That(donation.GetProperty("movement").GetProperty("valueFen").GetInt64(), Is.EqualTo(9650));
        Assert.That(donation.GetProperty("movement").GetProperty("valueYuan").GetDecimal(), Is.EqualTo(96.5m));
        Assert.That(donation.GetProperty("product").GetProperty("onHand").GetInt64(), Is.EqualTo(18));

        var changed = await keeper.PutAsJsonAsync(Api($"/shops/{_shop}/products/{id}"), new { pointsPrice = 28 });
        Assert.That((await Json(changed)).GetProperty("pointsPrice").GetInt64(), Is.EqualTo(28), await changed.Content.ReadAsStringAsync());

        var products = await keeper.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/products"));
        var listed = products.EnumerateArray().Single(p => p.GetProperty("id").GetInt64() == id);
        Assert.That((listed.GetProperty("name").GetString(), listed.GetProperty("unit").GetString(), listed.GetProperty("pointsPrice").GetInt64(),
            listed.GetProperty("onHand").GetInt64()), Is.EqualTo(("酱油（测试）", "瓶", 28L, 18L)));
        var history = await keeper.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/products/{id}/movements"));
        Assert.That(history.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("kind").GetString()), Is.EqualTo(new[] { "donation", "restock" }));
        Assert.That(history.GetProperty("items")[0].GetProperty("actor").GetString(), Is.EqualTo("user:shopkeeper"));
        Assert.That(history.GetProperty("items")[0].GetProperty("actorNames").GetProperty("user:shopkeeper").GetString(),
            Is.EqualTo("周店员（积分超市）"), "the movement list names who recorded it");
        var shopMovements = await keeper.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/movements?kind=donation"));
        Assert.That(shopMovements.GetProperty("items").EnumerateArray().Any(m => m.GetProperty("productId").GetInt64() == id));
        var audited = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'UpdateProduct' AND actor = 'user:shopkeeper'");
        Assert.That(audited, Is.GreaterThanOrEqualTo(1), "product changes leave an audit row");
    }

    [TestCase("""{"kind":"donation","quantity":3}""", 400, "validation_failed")]
    [TestCase("""{"kind":"redemption","quantity":-1,"note":"柜台"}""", 400, "validation_failed")]
    [TestCase("""{"kind":"return","quantity":1,"note":"退货"}""", 400, "validation_failed")]
    [TestCase("""{"kind":"correction","quantity":-100,"note":"盘点少了"}""", 409, "out_of_stock")]
    [TestCase("""{"kind":"correction","quantity":-1}""", 400, "validation_failed")]
    [TestCase("""{"kind":"restock","quantity":"5"}""", 400, "invalid_request")]
    [TestCase("""{"kind":"restock","quantity":5,"onHand":99}""", 400, "unknown_member")]
    public async Task ARefusedMovement_IsAProblemWithItsCode_AndChangesNothing(string body, int status, string code)
    {
        using var committee = await _app.ClientAsAsync("committee");
        var product = await NewProductAsync(committee, "拒");
        Assert.That((await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products/{product}/movements"), new { kind = "restock", quantity = 4 })).IsSuccessStatusCode);
        var movements = await MovementCountAsync();

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var refused = await committee.PostAsync(Api($"/shops/{_shop}/products/{product}/movements"), content);

        Assert.That((int)refused.StatusCode, Is.EqualTo(status), await refused.Content.ReadAsStringAsync());
        Assert.That((await Json(refused)).GetProperty("code").GetString(), Is.EqualTo(code));
        Assert.That(await OnHandAsync(product), Is.EqualTo(4));
        Assert.That(await MovementCountAsync(), Is.EqualTo(movements));
    }

    [Test]
    public async Task TheSameIdempotencyKeyTwice_MovesTheStockOnce()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var product = await NewProductAsync(committee, "幂");
        var key = $"restock-{Guid.NewGuid():N}";

        async Task<HttpResponseMessage> Restock(int quantity)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, Api($"/shops/{_shop}/products/{product}/movements"))
            {
                Content = JsonContent.Create(new { kind = "restock", quantity }),
            };
            message.Headers.Add("Idempotency-Key", key);
            return await committee.SendAsync(message);
        }

        var first = await Restock(10);
        var again = await Restock(10);
        var different = await Restock(11);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), await first.Content.ReadAsStringAsync());
        Assert.That(again.IsSuccessStatusCode, Is.True, await again.Content.ReadAsStringAsync());
        Assert.That((await Json(again)).GetProperty("movement").GetProperty("id").GetInt64(),
            Is.EqualTo((await Json(first)).GetProperty("movement").GetProperty("id").GetInt64()), "the replay answers with the original movement");
        Assert.That(different.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the same key with another payload is a conflict");
        Assert.That(await OnHandAsync(product), Is.EqualTo(10));
    }

    [Test]
    public async Task TheShopkeeper_CannotReadOrChangeAnotherShop()
    {
        var partner = await _app.ScalarAsync<long>("SELECT id FROM shops WHERE community_id = @c AND kind = 'partner'", new { c = _community });
        using var keeper = await _app.ClientAsAsync("shopkeeper");

        var read = await keeper.GetAsync(Api($"/shops/{partner}/products"));
        var write = await keeper.PostAsJsonAsync(Api($"/shops/{partner}/products"), new { name = "越权", pointsPrice = 1, unit = "个" });

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM products WHERE shop_id = @partner", new { partner }), Is.Zero);
    }

    [Test]
    public async Task TheDemoVillage_HasAStockedSupermarket_WithDonations_AndAPartnerShop()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var shops = (await committee.GetFromJsonAsync<JsonElement>(Api("/shops"))).GetProperty("items").EnumerateArray()
            .Select(s => (s.GetProperty("name").GetString(), s.GetProperty("kind").GetString())).ToList();
        var seeded = (await committee.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/products"))).EnumerateArray()
            .Where(p => !p.GetProperty("name").GetString()!.Contains("测试", StringComparison.Ordinal)).ToList();
        var donations = (await committee.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/movements?kind=donation&pageSize=100")))
            .GetProperty("items").EnumerateArray().Where(m => m.GetProperty("actor").GetString() == "cli:demo-seed").ToList();

        Assert.That(shops, Does.Contain(("示范村积分超市", "supermarket")).And.Contain(("村口小卖部", "partner")));
        Assert.That(seeded.Count(p => p.GetProperty("onHand").GetInt64() > 0), Is.GreaterThanOrEqualTo(8));
        Assert.That(donations.Select(d => d.GetProperty("donor").GetString()).Distinct(), Is.EquivalentTo(new[] { "县供销社", "爱心企业 惠民超市" }));
        Assert.That(donations, Has.All.Matches<JsonElement>(d => d.GetProperty("valueFen").GetInt64() > 0));
    }
}

[TestFixture]
public sealed class SqliteShopsApiTests() : ShopsApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerShopsApiTests() : ShopsApiTests(DatabaseProvider.SqlServer);
