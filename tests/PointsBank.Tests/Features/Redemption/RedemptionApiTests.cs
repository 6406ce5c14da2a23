using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PointsBank.Features.Cards;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Redemption;

/// <summary>
/// Vouchers and the counter through the real host: the routes and fields of API.md, 201 then 200 with the same
/// receipt for a voucher scanned by many counters at once, wrong PINs counted over HTTP though each request fails,
/// and a resident's card ordering with its PIN and no sign-in.
/// </summary>
public abstract class RedemptionApiTests(DatabaseProvider provider) : EngineFixture(provider)
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

    /// <summary>A product of the shop, added and restocked through the shops slice's API (as the committee).</summary>
    internal static async Task<long> NewProductAsync(AppFactory app, long community, long shop, long price, long stock, string name)
    {
        using var committee = await app.ClientAsAsync("committee");
        var api = $"/api/v1/communities/{community}/shops/{shop}/products";
        var added = await committee.PostAsJsonAsync(api, new { name = name + Guid.NewGuid().ToString("N")[..4], pointsPrice = price, unit = "个" });
        var product = await Json(added);
        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Created), product.ToString());
        var id = product.GetProperty("id").GetInt64();
        var restocked = await committee.PostAsJsonAsync($"{api}/{id}/movements", new { kind = "restock", quantity = stock });
        Assert.That(restocked.StatusCode, Is.EqualTo(HttpStatusCode.Created), await restocked.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>A fresh household account with points, and a card issued by the committee with PIN 1234 (the cards slice's API).</summary>
    internal static async Task<(long Account, string Token)> NewResidentAsync(AppFactory app, long community, long points)
    {
        using var committee = await app.ClientAsAsync("committee");
        var api = $"/api/v1/communities/{community}";
        var household = (await Json(await committee.PostAsJsonAsync(api + "/households", new { code = $"柜台-{Guid.NewGuid():N}"[..10] }))).GetProperty("householdId").GetInt64();
        await committee.PostAsJsonAsync(api + "/residents", new { householdId = household, fullName = "王秀英" });
        var account = (await Json(await committee.PostAsJsonAsync(api + "/accounts", new { kind = "household", ownerId = household }))).GetProperty("accountId").GetInt64();
        using var award = new HttpRequestMessage(HttpMethod.Post, api + "/awards") { Content = JsonContent.Create(new { accountId = account, ruleCode = await TestRules.AwardAsync(app.Services, community, points), evidenceNote = "柜台测试" }) };
        award.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        Assert.That((await committee.SendAsync(award)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var card = await committee.PostAsync(api + $"/accounts/{account}/card", null);
        var issued = await Json(card);
        Assert.That(card.StatusCode, Is.EqualTo(HttpStatusCode.Created), issued.ToString());
        var pin = await committee.PutAsJsonAsync(api + $"/cards/{issued.GetProperty("cardId").GetInt64()}/pin", new { pin = "1234" });
        Assert.That(pin.StatusCode, Is.EqualTo(HttpStatusCode.OK), await pin.Content.ReadAsStringAsync());
        var token = IssuedCards.TokenOf(issued.GetProperty("url").GetString()!);
        return (account, token);
    }

    [Test]
    public async Task TwentyCountersScanningOneVoucher_GetOne201_AndNineteen200_AllWithTheSameReceipt_AndItPostsOnce()
    {
        var product = await NewProductAsync(_app, _community, _shop, price: 8, stock: 10, "肥皂");
        var (account, _) = await NewResidentAsync(_app, _community, 50);
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        var issued = await shopkeeper.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, accountId = account, items = new[] { new { productId = product, quantity = 2 } } });
        var voucher = await Json(issued);
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), voucher.ToString());
        Assert.That(voucher.GetProperty("points").GetInt64(), Is.EqualTo(16));
        Assert.That(voucher.GetProperty("qrPng").GetString(), Does.StartWith("data:image/png;base64,"));
        foreach (var field in new[] { "voucherId", "code", "expiresAt", "items", "shopId", "accountId", "status" })
        {
            Assert.That(voucher.TryGetProperty(field, out _), field);
        }
        Assert.That(voucher.GetProperty("expiresAt").GetString(), Does.EndWith("Z"), "times are UTC and say so");
        var code = voucher.GetProperty("code").GetString()!;
        var txBefore = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c", new { c = _community });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var client = await _app.ClientAsAsync("shopkeeper");
            var response = await client.PostAsJsonAsync(Api("/redemptions"), new { shopId = _shop, code });
            return (response.StatusCode, Body: await Json(response),
                Replayed: response.Headers.TryGetValues("Idempotent-Replayed", out var values) ? string.Join(",", values) : null);
        }));

        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.OK), Is.EqualTo(19));
        Assert.That(answers.Select(a => a.Body.GetProperty("receiptNo").GetString()).Distinct().Count(), Is.EqualTo(1));
        Assert.That(answers.Where(a => a.StatusCode == HttpStatusCode.OK).Select(a => a.Body.GetProperty("alreadyRedeemed").GetBoolean()), Has.All.True);
        Assert.That(answers.Select(a => (a.StatusCode, a.Replayed)).Distinct(), Is.EquivalentTo(new[] { (HttpStatusCode.Created, (string?)null), (HttpStatusCode.OK, "true") }),
            "an already-redeemed answer says Idempotent-Replayed: true (nothing written this time), as docs/redemption.md says");
        var first = answers.Single(a => a.StatusCode == HttpStatusCode.Created).Body;
        Assert.That(first.GetProperty("alreadyRedeemed").GetBoolean(), Is.False);
        Assert.That(first.GetProperty("confirmedAt").GetString(), Does.EndWith("Z"));
        Assert.That((first.GetProperty("points").GetInt64(), first.GetProperty("balanceAfter").GetInt64()), Is.EqualTo((16L, 34L)));
        Assert.That(first.GetProperty("maskedName").GetString(), Does.Contain("王*英").And.Not.Contain("王秀英"));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c", new { c = _community }), Is.EqualTo(txBefore + 1));
        Assert.That(await _app.ScalarAsync<long>("SELECT on_hand FROM products WHERE id = @p", new { p = product }), Is.EqualTo(8));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM stock_movements WHERE product_id = @p AND kind = 'redemption'", new { p = product }), Is.EqualTo(1));

        var receiptNo = first.GetProperty("receiptNo").GetString();
        var receipt = await shopkeeper.GetFromJsonAsync<JsonElement>(Api($"/redemptions/{receiptNo}"));
        Assert.That(receipt.GetProperty("seq").GetInt64(), Is.EqualTo(first.GetProperty("seq").GetInt64()));
    }

    [Test]
    public async Task WrongPinsOverHttp_AreCountedThoughEachRequestFails_AndTheFifthLocksTheCard()
    {
        var product = await NewProductAsync(_app, _community, _shop, price: 5, stock: 10, "酱油");
        var (account, token) = await NewResidentAsync(_app, _community, 50);
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        var codes = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Api("/redemptions"))
            {
                Content = JsonContent.Create(new { shopId = _shop, cardToken = token, pin = "0000", items = new[] { new { productId = product, quantity = 1 } } }),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            var response = await shopkeeper.SendAsync(request);
            codes.Add((await Json(response)).GetProperty("code").GetString());
            Assert.That(await _app.ScalarAsync<long>("SELECT pin_failures FROM cards WHERE account_id = @a", new { a = account }), Is.EqualTo(i + 1));
        }

        Assert.That(codes, Is.EqualTo(new[] { "pin_wrong", "pin_wrong", "pin_wrong", "pin_wrong", "card_locked" }));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM cards WHERE account_id = @a AND locked_at IS NOT NULL", new { a = account }), Is.EqualTo(1));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM vouchers WHERE account_id = @a", new { a = account }), Is.EqualTo(0));

        using var anonymous = _app.CreateClient();
        var locked = await anonymous.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, cardToken = token, pin = "1234", items = new[] { new { productId = product, quantity = 1 } } });
        Assert.That(locked.StatusCode, Is.EqualTo((HttpStatusCode)423));
        Assert.That((await Json(locked)).GetProperty("code").GetString(), Is.EqualTo("card_locked"));
    }

    [Test]
    public async Task TheResidentsCard_OrdersWithItsPin_WithoutSigningIn_AndCancels_ButNeverWithoutTheCard()
    {
        var product = await NewProductAsync(_app, _community, _shop, price: 10, stock: 10, "面粉");
        var (account, token) = await NewResidentAsync(_app, _community, 30);
        using var anonymous = _app.CreateClient();

        var issued = await anonymous.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, cardToken = token, pin = "1234", items = new[] { new { productId = product, quantity = 2 } } });
        var voucher = await Json(issued);
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), voucher.ToString());
        Assert.That((voucher.GetProperty("accountId").GetInt64(), voucher.GetProperty("issuedVia").GetString()), Is.EqualTo((account, "card_pin")));

        var noCard = await anonymous.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, accountId = account, items = new[] { new { productId = product, quantity = 1 } } });
        Assert.That(noCard.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var unknownCard = await anonymous.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, cardToken = CardSecrets.NewToken(), pin = "1234", items = new[] { new { productId = product, quantity = 1 } } });
        Assert.That(unknownCard.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var staffCancelWithoutSignIn = await anonymous.PostAsync(Api($"/vouchers/{voucher.GetProperty("voucherId").GetInt64()}/cancel"), null);
        Assert.That(staffCancelWithoutSignIn.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var cancelled = await anonymous.PostAsJsonAsync(Api($"/vouchers/{voucher.GetProperty("voucherId").GetInt64()}/cancel"), new { cardToken = token });
        Assert.That((await Json(cancelled)).GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        using var committee = await _app.ClientAsAsync("committee");
        var balance = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{account}/balance"));
        Assert.That(balance.GetProperty("available").GetInt64(), Is.EqualTo(30));
    }

    [Test]
    public async Task ThePreviewAndTheRefusals_SpeakChinese_WithTheirCodes()
    {
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        var malformed = await shopkeeper.GetAsync(Api($"/vouchers/by-code/hello?shopId={_shop}"));
        var body = await Json(malformed);
        Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body.GetProperty("code").GetString(), Is.EqualTo("voucher_code_malformed"));
        Assert.That(body.GetProperty("title").GetString(), Is.EqualTo("这不是兑换券的码，请重新扫描"));
        var otherShop = await shopkeeper.PostAsJsonAsync(Api("/redemptions"), new { shopId = _shop + 1000, code = "V0000000000" + "00" });
        Assert.That(otherShop.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a shopkeeper confirms at their own shop only");
    }

    [Test]
    public async Task Staff_CancelWithNoBodyAtAll_OrWithAnEmptyObject_AndTheHoldIsReleased()
    {
        var product = await NewProductAsync(_app, _community, _shop, price: 5, stock: 10, "盐");
        var (account, _) = await NewResidentAsync(_app, _community, 20);
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        async Task<long> IssueAsync()
        {
            var issued = await shopkeeper.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, accountId = account, items = new[] { new { productId = product, quantity = 1 } } });
            Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            return (await Json(issued)).GetProperty("voucherId").GetInt64();
        }
        var first = await IssueAsync();
        var second = await IssueAsync();

        using var bare = new HttpRequestMessage(HttpMethod.Post, Api($"/vouchers/{first}/cancel"));
        var noBody = await shopkeeper.SendAsync(bare);
        var emptyObject = await shopkeeper.PostAsJsonAsync(Api($"/vouchers/{second}/cancel"), new { });

        Assert.That(noBody.StatusCode, Is.EqualTo(HttpStatusCode.OK), await noBody.Content.ReadAsStringAsync());
        Assert.That((await Json(noBody)).GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        Assert.That((await Json(emptyObject)).GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        using var committee = await _app.ClientAsAsync("committee");
        var balance = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{account}/balance"));
        Assert.That((balance.GetProperty("held").GetInt64(), balance.GetProperty("available").GetInt64()), Is.EqualTo((0L, 20L)));
        var again = await shopkeeper.SendAsync(new HttpRequestMessage(HttpMethod.Post, Api($"/vouchers/{first}/cancel")));
        Assert.That((await Json(again)).GetProperty("code").GetString(), Is.EqualTo("voucher_not_open"));
    }
}

[TestFixture]
public sealed class SqliteRedemptionApiTests() : RedemptionApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRedemptionApiTests() : RedemptionApiTests(DatabaseProvider.SqlServer);
