using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Http;

/// <summary>
/// A double click (or a browser's re-send) on a page's submit button does the thing once: each rendered form carries a
/// one-time key, and the same form posted twice — the same key, the same antiforgery token — makes one card, one
/// revision, one activity, one voucher, and the second answer shows the first one's message, not an error. Counts are
/// narrowed to the test's own account, month, title or shop.
/// </summary>
public abstract class DoubleSubmitPageTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static string Key(string html, string form = "") =>
        Regex.Match(html, $"{form}[\\s\\S]*?name=\"key\" value=\"([^\"]+)\"").Groups[1].Value;

    private static string Html(string raw) => WebUtility.HtmlDecode(raw);

    /// <summary>Posts the form as the browser would, and when the page redirects, what the page then says.</summary>
    private static async Task<(HttpStatusCode Status, string Page)> PostAsync(HttpClient page, string path, Dictionary<string, string> fields)
    {
        using var sent = await page.PostAsync(path, new FormUrlEncodedContent(fields));
        if (sent.StatusCode == HttpStatusCode.Redirect)
        {
            return (sent.StatusCode, Html(await page.GetStringAsync(sent.Headers.Location!.OriginalString)));
        }
        return (sent.StatusCode, Html(await sent.Content.ReadAsStringAsync()));
    }

    private static string Done(string html) => Regex.Match(html, "data-testid=\"done\">([^<]*)<").Groups[1].Value;

    private async Task<long> HouseholdAccountAsync(HttpClient committee)
    {
        var code = $"双击-{Guid.NewGuid():N}"[..12];
        var household = await (await committee.PostAsJsonAsync(Api("/households"), new { code })).Content.ReadFromJsonAsync<JsonElement>();
        var opened = await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = household.GetProperty("householdId").GetInt64() });
        return (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accountId").GetInt64();
    }

    private Task<long> CardsAsync(long account, string? status = null) => _app.ScalarAsync<long>(
        "SELECT COUNT(*) FROM cards WHERE community_id = @community AND account_id = @account AND (@status IS NULL OR status = @status)",
        new { community = _community, account, status });

    // The reviewer's daily action: a double click on 通过 or 不通过 must not answer the second click with "该申报已审核过"
    // (which reads as a failure), but with the first click's outcome; the claim is reviewed once.
    [TestCase("Approve", "note", "属实", "noticed", TestName = "ApprovingAClaim_Twice_FromOneForm_ReviewsItOnce_AndBothAnswersSayTheSame")]
    [TestCase("Reject", "reason", "证据不足", "rejected", TestName = "RejectingAClaim_Twice_FromOneForm_ReviewsItOnce_AndBothAnswersSayTheSame")]
    public async Task ReviewingAClaim_Twice_FromOneForm(string handler, string field, string text, string status)
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var submitted = await committee.PostAsJsonAsync(Api("/claims"),
            new { accountId = account, ruleCode = "mediation", occurredOn = yesterday, evidenceNote = "双击审核测试" });
        var claim = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var page = await _app.PageClientAsync("reviewer");
        var queue = Html(await page.GetStringAsync($"/claims/{_community}"));
        var key = Regex.Match(queue, $"name=\"claimId\" value=\"{claim}\">\\s*<input type=\"hidden\" name=\"key\" value=\"([^\"]+-{handler.ToLowerInvariant()[0]}{claim})\"")
            .Groups[1].Value;
        Assert.That(key, Is.Not.Empty, "the review form carries its one-time key");
        var fields = new Dictionary<string, string>
        {
            ["claimId"] = claim.ToString(CultureInfo.InvariantCulture), [field] = text, ["key"] = key,
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(queue),
        };

        var first = await PostAsync(page, $"/claims/{_community}?handler={handler}", fields);
        var second = await PostAsync(page, $"/claims/{_community}?handler={handler}", fields);

        Assert.That((first.Status, second.Status), Is.EqualTo((HttpStatusCode.Redirect, HttpStatusCode.Redirect)));
        Assert.That(Done(first.Page), Does.StartWith($"申报 #{claim} "));
        Assert.That(Done(second.Page), Is.EqualTo(Done(first.Page)), "the second click answers the first review, not 该申报已审核过");
        Assert.That(await _app.ScalarAsync<string>("SELECT status FROM claims WHERE community_id = @community AND id = @claim",
            new { community = _community, claim }), Is.EqualTo(status));
        Assert.That(await _app.ScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_log WHERE community_id = @community AND action = @action AND outcome = 'ok' AND target LIKE @target",
            new { community = _community, action = handler + "Claim", target = $"%\"ClaimId\":{claim}%" }), Is.EqualTo(1), "reviewed once; the second is a replay");
    }

    [Test]
    public async Task IssuingACard_Twice_FromOneForm_IssuesOneCard_AndBothAnswersSayTheSame()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        using var page = await _app.PageClientAsync("committee");
        var form = Html(await page.GetStringAsync($"/cards/{_community}/{account}"));
        Assert.That(form, Does.Contain("data-testid=\"issue\""));
        var fields = new Dictionary<string, string> { ["key"] = Key(form), ["__RequestVerificationToken"] = AppFactory.Antiforgery(form) };

        var first = await PostAsync(page, $"/cards/{_community}/{account}?handler=Issue", fields);
        var second = await PostAsync(page, $"/cards/{_community}/{account}?handler=Issue", fields);

        Assert.That((first.Status, second.Status), Is.EqualTo((HttpStatusCode.Redirect, HttpStatusCode.Redirect)));
        Assert.That(Done(first.Page), Does.StartWith("已发卡（第 "));
        Assert.That(Done(second.Page), Is.EqualTo(Done(first.Page)), "the second click answers the first card, not an error nor a second card");
        Assert.That((await CardsAsync(account), await CardsAsync(account, "active")), Is.EqualTo((1L, 1L)), "one card, still active");
        var cardId = await _app.ScalarAsync<long>("SELECT id FROM cards WHERE community_id = @c AND account_id = @account", new { c = _community, account });
        Assert.That(Done(first.Page), Does.Contain($"第 {cardId} 号"));
        var stored = await _app.ScalarAsync<string>("SELECT response_json FROM request_keys WHERE community_id = @c AND idempotency_key = @key",
            new { c = _community, key = fields["key"] });
        Assert.That(stored, Does.Not.Contain("/c/"), "the stored answer keeps no card token");

        // A stale 发卡 form (another key) does not replace the card now printed: it asks for the 补办 confirmation.
        var stale = await PostAsync(page, $"/cards/{_community}/{account}?handler=Issue", new Dictionary<string, string>(fields) { ["key"] = fields["key"] + "x" });
        Assert.That(stale.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stale.Page, Does.Contain("请勾选确认后再提交"));
        Assert.That((await CardsAsync(account), await CardsAsync(account, "active")), Is.EqualTo((1L, 1L)), "a refused issue changes nothing");
    }

    [Test]
    public async Task ReplacingACard_Twice_FromOneForm_ReplacesItOnce()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        var issued = await committee.PostAsync(Api($"/accounts/{account}/card"), null);
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var page = await _app.PageClientAsync("committee");
        var form = Html(await page.GetStringAsync($"/cards/{_community}/{account}"));
        var fields = new Dictionary<string, string>
        {
            ["key"] = Key(form, "data-testid=\"replace-form\""), ["confirmReplace"] = "true", ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
        };

        var first = await PostAsync(page, $"/cards/{_community}/{account}?handler=Issue", fields);
        var second = await PostAsync(page, $"/cards/{_community}/{account}?handler=Issue", fields);

        Assert.That(Done(first.Page), Does.StartWith("已补办新卡"));
        Assert.That(Done(second.Page), Is.EqualTo(Done(first.Page)));
        Assert.That((await CardsAsync(account), await CardsAsync(account, "active")), Is.EqualTo((2L, 1L)),
            "the old card and one new one: the new card is not replaced by a third");
    }

    [Test]
    public async Task TheApi_RetriesAnIssueWithTheSameKey_AndGetsTheSameCard_WithoutItsUrl()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        var key = Guid.NewGuid().ToString("N");
        async Task<HttpResponseMessage> IssueAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Api($"/accounts/{account}/card"));
            request.Headers.Add("Idempotency-Key", key);
            return await committee.SendAsync(request);
        }

        using var first = await IssueAsync();
        using var again = await IssueAsync();
        var (card, replay) = (await first.Content.ReadFromJsonAsync<JsonElement>(), await again.Content.ReadFromJsonAsync<JsonElement>());
        Assert.That((first.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.Created, HttpStatusCode.OK)));
        Assert.That(replay.GetProperty("replayed").GetBoolean());
        Assert.That(again.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true");
        Assert.That(replay.GetProperty("cardId").GetInt64(), Is.EqualTo(card.GetProperty("cardId").GetInt64()));
        Assert.That(card.GetProperty("url").GetString(), Does.Contain("/c/"));
        Assert.That(replay.GetProperty("url").ValueKind, Is.EqualTo(JsonValueKind.Null), "the token is not kept to be replayed");
        Assert.That(await CardsAsync(account), Is.EqualTo(1));
    }

    [Test]
    public async Task RevisingARule_Twice_WithTheSameKey_RecordsOneVersion()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var code = $"r{Guid.NewGuid():N}"[..16];
        object Rule(long points) => new
        {
            code, nameZh = "帮助困难居民", nameEn = "Helping needy residents", category = "good_deed", formula = new { kind = "fixed", points },
            limits = new { capPerMonth = 20, maxPerDay = 1 }, recordedBy = new[] { "committee" },
        };
        var adoption = new { meeting = "2026年第3次村民代表大会", adoptedOn = "2026-03-01" };
        Assert.That((await committee.PostAsJsonAsync(Api("/rules"), new { rule = Rule(5), adoption })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var key = Guid.NewGuid().ToString("N");
        async Task<HttpResponseMessage> ReviseAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, Api($"/rules/{code}")) { Content = JsonContent.Create(new { rule = Rule(8), adoption }) };
            request.Headers.Add("Idempotency-Key", key);
            return await committee.SendAsync(request);
        }

        using var first = await ReviseAsync();
        using var again = await ReviseAsync();

        Assert.That((first.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)), await again.Content.ReadAsStringAsync());
        Assert.That((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(again.Headers.Contains("Idempotent-Replayed"));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM rule_versions WHERE community_id = @c AND code = @code", new { c = _community, code }),
            Is.EqualTo(2), "version 1 and one revision");
    }

    [Test]
    public async Task PublishingTheRanking_Twice_FromOneForm_MakesOneRevision()
    {
        var month = DateTime.UtcNow.AddMonths(-2).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        using var page = await _app.PageClientAsync("committee");
        var form = Html(await page.GetStringAsync($"/rankings/{_community}?month={month}"));
        Assert.That(form, Does.Contain("data-testid=\"publish\""));
        Task<long> RevisionsAsync() => _app.ScalarAsync<long>("SELECT COUNT(*) FROM ranking_snapshots WHERE community_id = @c AND month = @month",
            new { c = _community, month });
        var before = await RevisionsAsync();
        var fields = new Dictionary<string, string> { ["key"] = Key(form), ["__RequestVerificationToken"] = AppFactory.Antiforgery(form) };

        var first = await PostAsync(page, $"/rankings/{_community}?month={month}&handler=Publish", fields);
        var second = await PostAsync(page, $"/rankings/{_community}?month={month}&handler=Publish", fields);

        Assert.That(Done(first.Page), Does.StartWith($"已公布 {month} 第 {before + 1} 版"));
        Assert.That(Done(second.Page), Is.EqualTo(Done(first.Page)));
        Assert.That(await RevisionsAsync(), Is.EqualTo(before + 1));
    }

    /// <summary>A household account with an award's points, and a new shop with a product at 1 point, ten in stock.</summary>
    private async Task<(long Account, long Shop, long Product)> FundedAccountAndShopAsync(HttpClient committee)
    {
        var account = await HouseholdAccountAsync(committee);
        using (var award = new HttpRequestMessage(HttpMethod.Post, Api("/awards")) { Content = JsonContent.Create(new { accountId = account, ruleCode = "security_patrol" }) })
        {
            award.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            Assert.That((await committee.SendAsync(award)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        var shop = (await (await committee.PostAsJsonAsync(Api("/shops"), new { name = $"双击超市{Guid.NewGuid():N}"[..10] }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("shopId").GetInt64();
        var product = (await (await committee.PostAsJsonAsync(Api($"/shops/{shop}/products"), new { name = "洗衣粉", pointsPrice = 1, unit = "袋" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.That((await committee.PostAsJsonAsync(Api($"/shops/{shop}/products/{product}/movements"), new { kind = "restock", quantity = 10 })).IsSuccessStatusCode);
        return (account, shop, product);
    }

    [Test]
    public async Task CardAndPin_AtTheCounter_Twice_FromOneForm_GivesOneReceipt_AndChargesOnce()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var (account, shop, product) = await FundedAccountAndShopAsync(committee);
        var card = await (await committee.PostAsync(Api($"/accounts/{account}/card"), null)).Content.ReadFromJsonAsync<JsonElement>();
        var token = IssuedCards.TokenOf(card.GetProperty("url").GetString()!);
        Assert.That((await committee.PutAsJsonAsync(Api($"/cards/{card.GetProperty("cardId").GetInt64()}/pin"), new { pin = "1234" })).IsSuccessStatusCode);
        Task<long> BalanceAsync() => _app.ScalarAsync<long>("SELECT balance FROM balances WHERE account_id = @account", new { account });
        var before = await BalanceAsync();

        using var page = await _app.PageClientAsync("committee");
        var form = Html(await page.GetStringAsync($"/counter/card?shopId={shop}&token={token}"));
        Assert.That(Regex.Match(form, "data-testid=\"available\">([^<]*)<").Groups[1].Value, Is.EqualTo(before.ToString(CultureInfo.InvariantCulture)),
            "the points available show above the goods");
        Assert.That(form, Does.Contain("data-testid=\"household-code\">双击-"));
        var fields = new Dictionary<string, string>
        {
            ["key"] = Key(form), ["shopId"] = shop.ToString(CultureInfo.InvariantCulture), ["token"] = token, ["pin"] = "1234",
            [$"qty-{product}"] = "1", ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
        };

        var first = await PostAsync(page, $"/counter/card?shopId={shop}", fields);
        var second = await PostAsync(page, $"/counter/card?shopId={shop}", fields);

        string ReceiptNo(string html) => Regex.Match(html, "data-testid=\"receipt-no\">([^<]+)<").Groups[1].Value;
        Assert.That((first.Status, second.Status), Is.EqualTo((HttpStatusCode.Redirect, HttpStatusCode.Redirect)));
        Assert.That(ReceiptNo(first.Page), Is.Not.Empty, first.Page);
        Assert.That(ReceiptNo(second.Page), Is.EqualTo(ReceiptNo(first.Page)), "the second click shows the same receipt");
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM receipts WHERE community_id = @c AND account_id = @account", new { c = _community, account }),
            Is.EqualTo(1));
        Assert.That(await BalanceAsync(), Is.EqualTo(before - 1), "charged once");
    }

    [Test]
    public async Task OrderingAtTheCounter_Twice_FromOneForm_MakesOneVoucher_AndHoldsThePointsOnce()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var (account, shop, product) = await FundedAccountAndShopAsync(committee);
        Task<long> HeldAsync() => _app.ScalarAsync<long>("SELECT held FROM balances WHERE account_id = @account", new { account });

        using var page = await _app.PageClientAsync("committee");
        var form = Html(await page.GetStringAsync($"/counter/order?shopId={shop}&accountId={account}"));
        var fields = new Dictionary<string, string>
        {
            ["key"] = Key(form), ["shopId"] = shop.ToString(CultureInfo.InvariantCulture), ["accountId"] = account.ToString(CultureInfo.InvariantCulture),
            [$"qty-{product}"] = "1", ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
        };

        var first = await PostAsync(page, $"/counter/order?shopId={shop}", fields);
        var second = await PostAsync(page, $"/counter/order?shopId={shop}", fields);

        string Code(string html) => Regex.Match(html, "data-testid=\"voucher-code\">([^<]+)<").Groups[1].Value;
        Assert.That((first.Status, second.Status), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(Code(first.Page), Is.Not.Empty, first.Page);
        Assert.That(Code(second.Page), Is.EqualTo(Code(first.Page)), "the second click shows the same voucher");
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM vouchers WHERE community_id = @c AND account_id = @account", new { c = _community, account }),
            Is.EqualTo(1));
        Assert.That(await HeldAsync(), Is.EqualTo(1), "the points are held once");
    }

    [Test]
    public async Task CreatingAnActivity_Twice_FromOneForm_CreatesOne_AndBothOpenIt()
    {
        var title = $"双击活动{Guid.NewGuid():N}"[..12];
        var start = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).AddDays(2);
        using var page = await _app.PageClientAsync("committee");
        var form = Html(await page.GetStringAsync($"/volunteers/{_community}"));
        var fields = new Dictionary<string, string>
        {
            ["key"] = Key(form, "data-testid=\"create-activity\""), ["title"] = title, ["content"] = "清扫主干道", ["place"] = "村委会门口",
            ["day"] = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["from"] = "09:00", ["to"] = "11:00",
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
        };

        using var first = await page.PostAsync($"/volunteers/{_community}?handler=Create", new FormUrlEncodedContent(fields));
        using var second = await page.PostAsync($"/volunteers/{_community}?handler=Create", new FormUrlEncodedContent(fields));

        Assert.That((first.StatusCode, second.StatusCode), Is.EqualTo((HttpStatusCode.Redirect, HttpStatusCode.Redirect)), Html(await second.Content.ReadAsStringAsync()));
        Assert.That(second.Headers.Location, Is.EqualTo(first.Headers.Location), "both open the one activity");
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM volunteer_activities WHERE community_id = @c AND title = @title",
            new { c = _community, title }), Is.EqualTo(1));
    }
}

[TestFixture]
public sealed class SqliteDoubleSubmitPageTests() : DoubleSubmitPageTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerDoubleSubmitPageTests() : DoubleSubmitPageTests(DatabaseProvider.SqlServer);
