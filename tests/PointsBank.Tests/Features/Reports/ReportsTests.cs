using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Reports;

/// <summary>
/// The shop's statement and daily list and the committee's funding report, through the real host, from goods brought
/// in, donated, redeemed at the counter and returned: the figures, the CSV for Excel (UTF-8 with a byte-order mark),
/// who may read them, and the pages.
/// </summary>
public abstract class ReportsTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _shop;
    private long _soap;
    private long _oil;
    private long _account;
    private string _donor = "";
    private string _returnedReceipt = "";
    private string _keptReceipt = "";
    private decimal _rate;

    private static string Month => DateTime.UtcNow.AddHours(8).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
    private static string Today => DateTime.UtcNow.AddHours(8).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [OneTimeSetUp]
    public async Task ShopWithARedemptionMonth()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
        using var committee = await _app.ClientAsAsync("committee");
        _rate = (await committee.GetFromJsonAsync<JsonElement>(Api("/policy"))).GetProperty("yuanPerPoint").GetDecimal();
        _shop = (await Json(await committee.PostAsJsonAsync(Api("/shops"), new { name = $"报表超市{Guid.NewGuid():N}"[..10] }))).GetProperty("shopId").GetInt64();
        _soap = (await Json(await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products"), new { name = "肥皂", pointsPrice = 10, unit = "块" }))).GetProperty("id").GetInt64();
        _oil = (await Json(await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products"), new { name = "食用油", pointsPrice = 30, unit = "桶" }))).GetProperty("id").GetInt64();
        _donor = $"爱心企业{Guid.NewGuid():N}"[..8];
        await Json(await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products/{_soap}/movements"), new { kind = "restock", quantity = 20 }));
        await Json(await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products/{_oil}/movements"),
            new { kind = "donation", quantity = 5, donor = _donor, valueYuan = 250.50m }));

        var household = (await Json(await committee.PostAsJsonAsync(Api("/households"), new { code = $"报表-{Guid.NewGuid():N}"[..10] }))).GetProperty("householdId").GetInt64();
        _account = (await Json(await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = household }))).GetProperty("accountId").GetInt64();
        using var award = new HttpRequestMessage(HttpMethod.Post, Api("/awards"))
        {
            Content = JsonContent.Create(new { accountId = _account, ruleCode = await TestRules.AwardAsync(_app.Services, _community, 200), evidenceNote = "报表测试：先有积分" }),
        };
        award.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        await Json(await committee.SendAsync(award));

        async Task<string> RedeemAsync(object items)
        {
            var voucher = await Json(await committee.PostAsJsonAsync(Api("/vouchers"), new { shopId = _shop, accountId = _account, items }));
            var receipt = await Json(await committee.PostAsJsonAsync(Api("/redemptions"), new { shopId = _shop, code = voucher.GetProperty("code").GetString() }));
            return receipt.GetProperty("receiptNo").GetString()!;
        }
        // Kept: 2 soap + 1 oil = 50 points. Returned: 3 soap = 30 points.
        _keptReceipt = await RedeemAsync(new object[] { new { productId = _soap, quantity = 2 }, new { productId = _oil, quantity = 1 } });
        _returnedReceipt = await RedeemAsync(new object[] { new { productId = _soap, quantity = 3 } });
        await Json(await committee.PostAsJsonAsync(Api($"/redemptions/{_returnedReceipt}/return"), new { reason = "肥皂受潮，退货" }));
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    [Test]
    public async Task TheMonthlyStatement_CountsRedemptionsAndTheReturn_WithTheNetInPointsAndYuan()
    {
        using var committee = await _app.ClientAsAsync("committee");

        var statement = await committee.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/statements?month={Month}"));

        Assert.That(statement.GetProperty("redemptions").GetInt32(), Is.EqualTo(2));
        Assert.That((statement.GetProperty("points").GetInt64(), statement.GetProperty("returns").GetInt32(), statement.GetProperty("returnedPoints").GetInt64()),
            Is.EqualTo((80L, 1, 30L)));
        Assert.That(statement.GetProperty("netPoints").GetInt64(), Is.EqualTo(50));
        Assert.That(statement.GetProperty("netYuan").GetDecimal(), Is.EqualTo(Math.Round(50 * _rate, 2)));
        var items = statement.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!, i => i.GetProperty("quantity").GetInt64());
        Assert.That(items, Is.EquivalentTo(new Dictionary<string, long> { ["肥皂"] = 5, ["食用油"] = 1 }));
        var returned = statement.GetProperty("returnedItems").EnumerateArray().Single();
        Assert.That((returned.GetProperty("name").GetString(), returned.GetProperty("quantity").GetInt64()), Is.EqualTo(("肥皂", 3L)));
        Assert.That(statement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("receiptNo").GetString()),
            Is.EquivalentTo(new[] { _keptReceipt, _returnedReceipt }));
    }

    [Test]
    public async Task TheStatementAsCsv_IsUtf8WithABom_ForExcel_WithEveryReceiptAndTheTotal()
    {
        using var committee = await _app.ClientAsAsync("committee");

        var response = await committee.GetAsync(Api($"/shops/{_shop}/statements?month={Month}&format=csv"));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "Excel needs the byte-order mark to read Chinese as UTF-8");
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("小票号,兑换时间,账户,商品,积分,已退货,退货原因"));
        Assert.That(lines.Count(l => l.StartsWith(_keptReceipt + ",", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(lines.Single(l => l.StartsWith(_returnedReceipt + ",", StringComparison.Ordinal)), Does.Contain("肥皂 ×3").And.Contain(",是,肥皂受潮，退货"));
        Assert.That(lines[^1], Does.StartWith("合计,").And.Contain(",50,"));
    }

    [Test]
    public async Task TheDailyList_ShowsTodaysReceipts_AndCountsOnlyWhatWasNotReturned()
    {
        using var committee = await _app.ClientAsAsync("committee");

        var day = await committee.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/redemptions?date={Today}"));
        var defaulted = await committee.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/redemptions"));
        var yesterday = await committee.GetFromJsonAsync<JsonElement>(Api($"/shops/{_shop}/redemptions?date={DateTime.UtcNow.AddHours(8).AddDays(-1):yyyy-MM-dd}"));

        Assert.That((day.GetProperty("count").GetInt32(), day.GetProperty("points").GetInt64()), Is.EqualTo((2, 50L)));
        Assert.That(defaulted.GetProperty("date").GetString(), Is.EqualTo(Today), "the list is today's unless a date is given");
        Assert.That(yesterday.GetProperty("count").GetInt32(), Is.Zero);
        var lines = day.GetProperty("lines").EnumerateArray().ToList();
        Assert.That(lines.Single(l => l.GetProperty("receiptNo").GetString() == _returnedReceipt).GetProperty("returned").GetBoolean(), Is.True);
        Assert.That(lines.Select(l => l.GetProperty("accountName").GetString()), Has.All.StartWith("户 "), "a door-plate code, never a person's name");
    }

    [Test]
    public async Task TheFundingReport_TiesPointsIssuedDonationsByDonorAndGoodsRedeemed()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var twoKinds = $"两样都捐{Guid.NewGuid():N}"[..8];
        await Json(await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products/{_oil}/movements"), new { kind = "donation", quantity = 2, donor = twoKinds, valueYuan = 100m }));
        await Json(await committee.PostAsJsonAsync(Api($"/shops/{_shop}/products/{_soap}/movements"), new { kind = "donation", quantity = 30, donor = twoKinds, valueYuan = 60m }));

        var report = await committee.GetFromJsonAsync<JsonElement>(Api($"/reports/funding?month={Month}"));
        var csv = await committee.GetByteArrayAsync(Api($"/reports/funding?month={Month}&format=csv"));

        var donor = report.GetProperty("donors").EnumerateArray().Single(d => d.GetProperty("donor").GetString() == _donor);
        Assert.That((donor.GetProperty("quantity").GetInt64(), donor.GetProperty("valueYuan").GetDecimal()), Is.EqualTo((5L, 250.50m)));
        Assert.That(donor.GetProperty("goods").EnumerateArray().Single().GetString(), Is.EqualTo("食用油 5 桶"));
        var redeemed = report.GetProperty("redeemed").EnumerateArray().Where(g => g.GetProperty("shopId").GetInt64() == _shop)
            .ToDictionary(g => g.GetProperty("product").GetString()!, g => g.GetProperty("quantity").GetInt64());
        Assert.That(redeemed, Is.EquivalentTo(new Dictionary<string, long> { ["肥皂"] = 2, ["食用油"] = 1 }), "the returned receipt is not counted");
        var restocked = report.GetProperty("restocked").EnumerateArray().Single(g => g.GetProperty("shopId").GetInt64() == _shop);
        Assert.That((restocked.GetProperty("product").GetString(), restocked.GetProperty("quantity").GetInt64()), Is.EqualTo(("肥皂", 20L)));
        Assert.That(report.GetProperty("pointsIssued").GetInt64(), Is.GreaterThanOrEqualTo(200));
        Assert.That(report.GetProperty("pointsRedeemed").GetInt64(), Is.GreaterThanOrEqualTo(50));
        var text = Encoding.UTF8.GetString(csv);
        Assert.That(csv.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }));
        Assert.That(text, Does.Contain($"捐赠,{_donor},食用油 5 桶,5,250.50"));
        Assert.That(text, Does.Contain($"捐赠,{twoKinds},食用油 2 桶、肥皂 30 块,,160.00"), "barrels and bars are not added up");
        Assert.That(text, Does.Contain("兑换,").And.Contain("肥皂，以块计,2,"));
    }

    [Test]
    public async Task AShopkeeper_ReadsOnlyTheirOwnShopsStatement_AndOnlyTheCommitteeTheFundingReport()
    {
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        using var reviewer = await _app.ClientAsAsync("reviewer");
        var ownShop = await _app.ScalarAsync<long>("SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'");

        var other = await shopkeeper.GetAsync(Api($"/shops/{_shop}/statements?month={Month}"));
        var own = await shopkeeper.GetAsync(Api($"/shops/{ownShop}/statements?month={Month}"));
        var funding = await shopkeeper.GetAsync(Api($"/reports/funding?month={Month}"));
        var byReviewer = await reviewer.GetAsync(Api($"/reports/funding?month={Month}"));
        var badMonth = await shopkeeper.GetAsync(Api($"/shops/{ownShop}/statements?month=2026-13"));
        var badFormat = await shopkeeper.GetAsync(Api($"/shops/{ownShop}/statements?month={Month}&format=xls"));

        Assert.That((other.StatusCode, own.StatusCode), Is.EqualTo((HttpStatusCode.Forbidden, HttpStatusCode.OK)));
        Assert.That((funding.StatusCode, byReviewer.StatusCode), Is.EqualTo((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)));
        Assert.That((badMonth.StatusCode, badFormat.StatusCode), Is.EqualTo((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest)));
    }


    [Test]
    public async Task ThePages_ShowTheFundingReportAndTheShopsDayAndMonth_WithTheirCsvLinks()
    {
        using var committee = await _app.PageClientAsync("committee");

        var funding = WebUtility.HtmlDecode(await committee.GetStringAsync($"/reports/{_community}?month={Month}"));
        var shop = WebUtility.HtmlDecode(await committee.GetStringAsync($"/reports/{_community}/shops/{_shop}?month={Month}"));

        Assert.That(funding, Does.Contain("积分资金报告").And.Contain(_donor).And.Contain("250.50")
            .And.Contain($"/reports/{_community}/shops/{_shop}?month={Month}").And.Contain($"reports/funding?month={Month}&format=csv"));
        Assert.That(shop, Does.Contain("兑换清单").And.Contain(_keptReceipt).And.Contain(_returnedReceipt).And.Contain("（已退货）")
            .And.Contain("月度对账单").And.Contain($"statements?month={Month}&format=csv"));
        Assert.That(System.Text.RegularExpressions.Regex.Match(shop, "data-testid=\"net\">(\\d+)<").Groups[1].Value, Is.EqualTo("50"));
    }
}

[TestFixture]
public sealed class SqliteReportsTests() : ReportsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerReportsTests() : ReportsTests(DatabaseProvider.SqlServer);
