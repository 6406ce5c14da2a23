using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Tests.Features.Redemption;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Http;

/// <summary>
/// The committee's pages, as the walkthrough did its jobs through them: adding one household on the roster page (and
/// what a refused one keeps and changes), the households a roster import names; the claims page offering no decision
/// on one's own claim, answering a refused decision with a redirect, and showing decided claims; the account page
/// showing its waiting claims and what holds its frozen points, with the voucher's cancel.
/// </summary>
public abstract class CommitteePagesTests(DatabaseProvider provider) : EngineFixture(provider)
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

    private static string Html(string raw) => WebUtility.HtmlDecode(raw);

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string Yesterday => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text from the first <paramref name="start"/> to the next <paramref name="end"/> (fails if absent).</summary>
    private static string Between(string html, string start, string end)
    {
        var from = html.IndexOf(start, StringComparison.Ordinal);
        Assert.That(from, Is.GreaterThanOrEqualTo(0), $"the page has {start}");
        return html[from..html.IndexOf(end, from, StringComparison.Ordinal)];
    }

    private Task<long> CountAsync(string sql, object args) => _app.ScalarAsync<long>(sql, args);

    private Task<long> HouseholdsAsync(string code) =>
        CountAsync("SELECT COUNT(*) FROM households WHERE community_id = @c AND code = @code", new { c = _community, code });

    private Task<long> ResidentsAsync() => CountAsync("SELECT COUNT(*) FROM residents WHERE community_id = @c", new { c = _community });

    private Task<long> AccountsAsync() => CountAsync("SELECT COUNT(*) FROM accounts WHERE community_id = @c", new { c = _community });

    /// <summary>Posts the roster page's 新增一户 form as the browser would.</summary>
    private async Task<HttpResponseMessage> AddAsync(HttpClient page, Dictionary<string, string> fields)
    {
        var form = Html(await page.GetStringAsync($"/roster/{_community}"));
        fields["__RequestVerificationToken"] = AppFactory.Antiforgery(form);
        return await page.PostAsync($"/roster/{_community}?handler=Add", new FormUrlEncodedContent(fields));
    }

    [Test]
    public async Task TheRosterPage_AddsOneHousehold_WithItsHolderMembersAndAccount_AndLinksItsAccountAndCard()
    {
        using var page = await _app.PageClientAsync("committee");
        var code = $"新户-{Guid.NewGuid():N}"[..10];
        var form = Html(await page.GetStringAsync($"/roster/{_community}"));
        Assert.That(form, Does.Contain("新增一户").And.Contain("name=\"Add.HolderName\""));
        var (residents, accounts) = (await ResidentsAsync(), await AccountsAsync());

        using var added = await AddAsync(page, new()
        {
            ["Add.Code"] = code, ["Add.Address"] = "幸福路 12 号", ["Add.HolderName"] = "赵春生", ["Add.HolderPhone"] = "138 0000 1234",
            ["Add.Members"] = "钱秋月\n赵小宝",
        });

        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), Html(await added.Content.ReadAsStringAsync()));
        Assert.That(added.Headers.Location!.OriginalString, Is.EqualTo($"/roster/{_community}#added"), "Post/Redirect/Get");
        var household = await _app.ScalarAsync<long>("SELECT id FROM households WHERE community_id = @c AND code = @code", new { c = _community, code });
        var account = await _app.ScalarAsync<long>("SELECT id FROM accounts WHERE household_id = @household AND kind = 'household'", new { household });
        Assert.That(account, Is.GreaterThan(0), "the household's points account is opened with it");
        Assert.That((await ResidentsAsync() - residents, await AccountsAsync() - accounts), Is.EqualTo((3L, 1L)));
        using var committee = await _app.ClientAsAsync("committee");
        var people = (await committee.GetFromJsonAsync<JsonElement>(Api($"/residents?householdId={household}"))).GetProperty("items").EnumerateArray()
            .OrderBy(r => r.GetProperty("id").GetInt64())
            .Select(r => $"{r.GetProperty("fullName").GetString()}:{(r.GetProperty("phone").ValueKind == JsonValueKind.Null ? "-" : r.GetProperty("phone").GetString())}");
        Assert.That(string.Join(",", people), Is.EqualTo("赵春生:138 0000 1234,钱秋月:-,赵小宝:-"), "the holder first, with the phone; the members after");

        var after = Html(await page.GetStringAsync($"/roster/{_community}"));
        var notice = Between(after, "data-testid=\"added\"", "</div>");
        Assert.That(notice, Does.Contain($"已新增 {code} 户（3 人）")
            .And.Contain($"href=\"/points/{_community}/accounts/{account}\"")
            .And.Contain($"href=\"/cards/{_community}/{account}\""));
        var accountPage = Html(await page.GetStringAsync($"/points/{_community}/accounts/{account}"));
        Assert.That(accountPage, Does.Contain($"{code} 户 · 户主 赵春生"), "the account page names the household and its holder");
    }

    [Test]
    public async Task TheRosterPage_AddsAHouseholdOnce_WhenItsFormIsSentTwice_AndBothAnswersNameIt()
    {
        using var page = await _app.PageClientAsync("committee");
        var code = $"双击户-{Guid.NewGuid():N}"[..10];
        var form = Html(await page.GetStringAsync($"/roster/{_community}"));
        var key = Regex.Match(Between(form, "data-testid=\"add-form\"", "</form>"), "name=\"key\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.That(key, Is.Not.Empty, "the form carries its one-time key");
        var fields = new Dictionary<string, string>
        {
            ["key"] = key, ["Add.Code"] = code, ["Add.HolderName"] = "韩冬梅", ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
        };
        var residents = await ResidentsAsync();

        using var first = await page.PostAsync($"/roster/{_community}?handler=Add", new FormUrlEncodedContent(fields));
        var firstPage = Html(await page.GetStringAsync($"/roster/{_community}"));
        using var second = await page.PostAsync($"/roster/{_community}?handler=Add", new FormUrlEncodedContent(fields));
        var secondPage = Html(await page.GetStringAsync($"/roster/{_community}"));

        Assert.That((first.StatusCode, second.StatusCode), Is.EqualTo((HttpStatusCode.Redirect, HttpStatusCode.Redirect)), "the second is not 门牌编号重复");
        Assert.That(Between(secondPage, "data-testid=\"added\"", "</div>"), Is.EqualTo(Between(firstPage, "data-testid=\"added\"", "</div>")));
        Assert.That((await HouseholdsAsync(code), await ResidentsAsync() - residents), Is.EqualTo((1L, 1L)), "one household, one holder");
    }

    [Test]
    public async Task TheApi_ListsOneAccountsClaims_AndTheBalanceSaysWhatHoldsItsPoints()
    {
        var shop = await _app.ScalarAsync<long>("SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'");
        var product = await RedemptionApiTests.NewProductAsync(_app, _community, shop, price: 3, stock: 10, "牙刷");
        var (account, _) = await RedemptionApiTests.NewResidentAsync(_app, _community, 20);
        using var committee = await _app.ClientAsAsync("committee");
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        var other = await HouseholdAccountAsync(committee);
        var mine = await ClaimAsync(committee, Api("/claims"), account, "本户的申报");
        var theirs = await ClaimAsync(committee, Api("/claims"), other, "别户的申报");
        var voucher = await Json(await shopkeeper.PostAsJsonAsync(Api("/vouchers"), new { shopId = shop, accountId = account, items = new[] { new { productId = product, quantity = 2 } } }));

        var claims = await committee.GetFromJsonAsync<JsonElement>(Api($"/claims?accountId={account}"));
        Assert.That(claims.EnumerateArray().Select(c => c.GetProperty("id").GetInt64()), Is.EqualTo(new[] { mine }), $"not {theirs}");
        var balance = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{account}/balance"));
        var hold = balance.GetProperty("holds").EnumerateArray().Single();
        Assert.That((hold.GetProperty("points").GetInt64(), hold.GetProperty("voucherId").GetInt64()),
            Is.EqualTo((6L, voucher.GetProperty("voucherId").GetInt64())));
        // Any staff role reads a balance; a voucher's code is what a counter redeems, so it is not in the answer.
        Assert.That(hold.TryGetProperty("voucherCode", out _), Is.False);
        Assert.That(balance.ToString(), Does.Not.Contain(voucher.GetProperty("code").GetString()!));
        Assert.That(hold.GetProperty("expiresAt").GetString(), Does.EndWith("Z"));
        var none = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{other}/balance"));
        Assert.That(none.GetProperty("holds").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task TheRosterPage_RefusesATakenDoorPlate_AndADeactivatedGrid_InWords_KeepsTheInput_AndWritesNothing()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var page = await _app.PageClientAsync("committee");
        var code = $"重号-{Guid.NewGuid():N}"[..10];
        Assert.That((await committee.PostAsJsonAsync(Api("/households"), new { code })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var grid = (await Json(await committee.PostAsJsonAsync(Api("/grids"), new { name = $"停用组-{Guid.NewGuid():N}"[..10] }))).GetProperty("gridId").GetInt64();
        Assert.That((await committee.PostAsync(Api($"/grids/{grid}/deactivate"), null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (residents, accounts) = (await ResidentsAsync(), await AccountsAsync());

        using var taken = await AddAsync(page, new() { ["Add.Code"] = code, ["Add.HolderName"] = "孙大海", ["Add.Members"] = "孙小海" });
        var takenPage = Html(await taken.Content.ReadAsStringAsync());
        Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Between(takenPage, "data-testid=\"add-error\"", "</p>"), Does.Contain("本社区已有相同门牌编号的户"));
        Assert.That(takenPage, Does.Contain($"name=\"Add.Code\" value=\"{code}\"").And.Contain("value=\"孙大海\"").And.Contain(">孙小海</textarea>"),
            "the input is kept");

        var fresh = $"停用-{Guid.NewGuid():N}"[..10];
        using var inactive = await AddAsync(page, new() { ["Add.Code"] = fresh, ["Add.GridId"] = Id(grid), ["Add.HolderName"] = "孙大海" });
        Assert.That(Between(Html(await inactive.Content.ReadAsStringAsync()), "data-testid=\"add-error\"", "</p>"), Does.Contain("网格已停用"));

        using var nameless = await AddAsync(page, new() { ["Add.Code"] = "", ["Add.HolderName"] = "", ["Add.HolderPhone"] = "电话" });
        Assert.That(Between(Html(await nameless.Content.ReadAsStringAsync()), "data-testid=\"add-error\"", "</p>"),
            Does.Contain("门牌编号").And.Contain("户主姓名").And.Contain("户主电话"), "each refused field in words");

        Assert.That((await HouseholdsAsync(code), await HouseholdsAsync(fresh)), Is.EqualTo((1L, 0L)), "no household added");
        Assert.That((await ResidentsAsync(), await AccountsAsync()), Is.EqualTo((residents, accounts)), "no resident, no account: all or nothing");
    }

    [Test]
    public async Task ARosterImport_NamesTheHouseholdsItAdded_WithLinksToTheirAccounts()
    {
        using var page = await _app.PageClientAsync("committee");
        var (first, second) = ($"导入-{Guid.NewGuid():N}"[..10], $"导入-{Guid.NewGuid():N}"[..10]);
        var workbook = RosterWorkbook.Write([], [
            new RosterHouseholdLine(0, first, "", "", "周一", "", []), new RosterHouseholdLine(0, second, "", "", "吴二", "", ["吴三"])]);
        var form = Html(await page.GetStringAsync($"/roster/{_community}"));
        Assert.That(form, Does.Contain("导入前请再选一次同一个文件"), "the page says the checked file must be picked again");

        async Task<string> SendAsync(bool dryRun)
        {
            using var content = new MultipartFormDataContent
            {
                { new ByteArrayContent(workbook), "workbook", "花名册.xlsx" },
                { new StringContent(dryRun ? "true" : "false"), "dryRun" },
                { new StringContent(AppFactory.Antiforgery(form)), "__RequestVerificationToken" },
            };
            using var sent = await page.PostAsync($"/roster/{_community}?handler=Import", content);
            Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            return Html(await sent.Content.ReadAsStringAsync());
        }

        var check = Between(await SendAsync(dryRun: true), "data-testid=\"new-households\"", "</ul>");
        Assert.That(check, Does.Contain(first).And.Contain(second).And.Not.Contain("/points/"), "a check names them; nothing exists yet to link");
        var imported = Between(await SendAsync(dryRun: false), "data-testid=\"new-households\"", "</ul>");
        foreach (var code in new[] { first, second })
        {
            var account = await _app.ScalarAsync<long>(
                "SELECT a.id FROM accounts a JOIN households h ON h.id = a.household_id WHERE h.community_id = @c AND h.code = @code", new { c = _community, code });
            Assert.That(imported, Does.Contain($"<a href=\"/points/{_community}/accounts/{account}\">{code}</a>")
                .And.Contain($"href=\"/cards/{_community}/{account}\""));
        }
    }

    private async Task<long> HouseholdAccountAsync(HttpClient committee)
    {
        var household = (await Json(await committee.PostAsJsonAsync(Api("/households"), new { code = $"申报-{Guid.NewGuid():N}"[..10] }))).GetProperty("householdId").GetInt64();
        return (await Json(await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = household }))).GetProperty("accountId").GetInt64();
    }

    private static async Task<long> ClaimAsync(HttpClient client, string api, long account, string note)
    {
        var submitted = await client.PostAsJsonAsync(api, new { accountId = account, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = note });
        var claim = await Json(submitted);
        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), claim.ToString());
        return claim.GetProperty("id").GetInt64();
    }

    [Test]
    public async Task TheClaimsPage_OffersNoDecisionOnOnesOwnClaim_SaysWhoDecides_AndARefusalRedirects_ChangingNothing()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        var own = await ClaimAsync(committee, Api("/claims"), account, "两委自己录入的申报");
        using var page = await _app.PageClientAsync("committee");

        var queue = Html(await page.GetStringAsync($"/claims/{_community}"));
        var article = Between(queue, $"data-testid=\"claim-{own}\"", "</article>");
        Assert.That(article, Does.Contain("由其他审核人决定（如评议员）").And.Not.Contain("handler=Approve").And.Not.Contain("handler=Reject"));
        using var reviewerPage = await _app.PageClientAsync("reviewer");
        var reviewerArticle = Between(Html(await reviewerPage.GetStringAsync($"/claims/{_community}")), $"data-testid=\"claim-{own}\"", "</article>");
        Assert.That(reviewerArticle, Does.Contain("handler=Approve").And.Contain("handler=Reject").And.Not.Contain("由其他审核人决定"),
            "the reviewer, who did not enter it, decides it");

        // A stale form (or a crafted post) is still refused by the request; the answer is a redirect with the reason.
        using var approve = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["claimId"] = Id(own), ["key"] = Guid.NewGuid().ToString("N"), ["__RequestVerificationToken"] = AppFactory.Antiforgery(queue),
        });
        using var refused = await page.PostAsync($"/claims/{_community}?handler=Approve", approve);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(refused.Headers.Location!.OriginalString, Is.EqualTo($"/claims/{_community}"), "never left on ?handler=Approve");
        var after = Html(await page.GetStringAsync(refused.Headers.Location.OriginalString));
        Assert.That(Between(after, "data-testid=\"refused\"", "</p>"), Does.Contain("不能审核自己录入的内容"));
        Assert.That(await _app.ScalarAsync<string>("SELECT status FROM claims WHERE id = @own", new { own }), Is.EqualTo("submitted"));
        var again = Html(await page.GetStringAsync($"/claims/{_community}"));
        Assert.That(again, Does.Not.Contain("data-testid=\"refused\""), "the message is shown once");
    }

    [Test]
    public async Task TheClaimsPage_NamesEachFactOfAClaim_SoTheAmountAskedForDoesNotReadAsAPlainScore()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        var submitted = await committee.PostAsJsonAsync(Api("/claims"), new
        {
            accountId = account, ruleCode = "lost_property", facts = new { amount = 8 }, occurredOn = Yesterday, evidenceNote = "拾到钱包交还失主",
        });
        var claim = await Json(submitted);
        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), claim.ToString());
        using var page = await _app.PageClientAsync("committee");

        var html = Html(await page.GetStringAsync($"/claims/{_community}"));
        Assert.That(Between(html, $"data-testid=\"facts-{claim.GetProperty("id").GetInt64()}\"", "</p>"), Does.Contain("申请分值：8 分"));
    }

    [Test]
    public async Task TheClaimsPage_ShowsDecidedClaims_ByStatus_WithWhoDecidedAndWhy()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var account = await HouseholdAccountAsync(committee);
        var claim = await ClaimAsync(committee, Api("/claims"), account, "将被驳回的申报");
        using var page = await _app.PageClientAsync("reviewer");
        var queue = Html(await page.GetStringAsync($"/claims/{_community}"));
        Assert.That(queue, Does.Not.Contain($"data-testid=\"decided-claim-{claim}\""));
        using var reject = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["claimId"] = Id(claim), ["reason"] = "协议书没有双方签字", ["key"] = Guid.NewGuid().ToString("N"),
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(queue),
        });
        using var rejected = await page.PostAsync($"/claims/{_community}?handler=Reject", reject);
        Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        var after = Html(await page.GetStringAsync($"/claims/{_community}"));
        Assert.That(after, Does.Not.Contain($"data-testid=\"claim-{claim}\"").And.Contain("href=\"?status=rejected#decided\""));
        var decided = Html(await page.GetStringAsync($"/claims/{_community}?status=rejected"));
        var reviewerName = await _app.ScalarAsync<string>("SELECT display_name FROM users WHERE username = 'reviewer'", new { });
        Assert.That(Between(decided, $"data-testid=\"decided-claim-{claim}\"", "</article>"),
            Does.Contain("不通过：" + reviewerName).And.Contain("协议书没有双方签字").And.Contain("调解邻里矛盾纠纷"));
        var posted = Html(await page.GetStringAsync($"/claims/{_community}?status=posted"));
        Assert.That(posted, Does.Not.Contain($"data-testid=\"decided-claim-{claim}\""), "each outcome lists only its own");
    }

    [Test]
    public async Task TheAccountPage_ListsItsWaitingClaims_AndWhatHoldsItsFrozenPoints_AndTheCommitteeCancelsTheVoucher()
    {
        var shop = await _app.ScalarAsync<long>("SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'");
        var product = await RedemptionApiTests.NewProductAsync(_app, _community, shop, price: 5, stock: 10, "香皂");
        var (account, _) = await RedemptionApiTests.NewResidentAsync(_app, _community, 30);
        using var committee = await _app.ClientAsAsync("committee");
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        var claim = await ClaimAsync(committee, Api("/claims"), account, "调解纠纷，等审核");
        var issued = await shopkeeper.PostAsJsonAsync(Api("/vouchers"), new { shopId = shop, accountId = account, items = new[] { new { productId = product, quantity = 2 } } });
        var voucher = await Json(issued);
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), voucher.ToString());
        var (voucherId, code) = (voucher.GetProperty("voucherId").GetInt64(), voucher.GetProperty("code").GetString()!);
        var shopName = await _app.ScalarAsync<string>("SELECT name FROM shops WHERE id = @shop", new { shop });
        var points = (await committee.GetFromJsonAsync<JsonElement>(Api("/rules"))).EnumerateArray()
            .Single(r => r.GetProperty("code").GetString() == "mediation").GetProperty("formula").GetProperty("points").GetInt64();
        using var page = await _app.PageClientAsync("committee");

        var html = Html(await page.GetStringAsync($"/points/{_community}/accounts/{account}"));
        Assert.That(Between(html, $"data-testid=\"waiting-claim-{claim}\"", "</li>"),
            Does.Contain($"第 {claim} 号申报").And.Contain("调解邻里矛盾纠纷").And.Contain($"约 {points} 分").And.Contain("待审核"));
        var holds = Between(html, "data-testid=\"holds\"", "</ul>");
        Assert.That(holds, Does.Contain("冻结的 10 分").And.Contain($"{shopName}的兑换券冻结 10 分").And.Contain("前未核销自动退回")
            .And.Not.Contain(code)
            .And.Contain($"data-testid=\"cancel-voucher-{voucherId}\""));

        using var cancel = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["voucherId"] = Id(voucherId), ["__RequestVerificationToken"] = AppFactory.Antiforgery(html),
        });
        using var cancelled = await page.PostAsync($"/points/{_community}/accounts/{account}?handler=CancelVoucher", cancel);
        Assert.That(cancelled.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), Html(await cancelled.Content.ReadAsStringAsync()));
        var after = Html(await page.GetStringAsync(cancelled.Headers.Location!.OriginalString));
        Assert.That(Between(after, "data-testid=\"done\"", "</p>"), Does.Contain($"已取消兑换券 {code}"));
        Assert.That(after, Does.Not.Contain("data-testid=\"holds\""));
        var balance = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{account}/balance"));
        Assert.That((balance.GetProperty("held").GetInt64(), balance.GetProperty("available").GetInt64()), Is.EqualTo((0L, 30L)));
        Assert.That(await _app.ScalarAsync<string>("SELECT status FROM vouchers WHERE id = @voucherId", new { voucherId }), Is.EqualTo("cancelled"));
    }

    [Test]
    public async Task TheAccountPage_DoesNotCancelAnotherAccountsVoucher()
    {
        var shop = await _app.ScalarAsync<long>("SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'");
        var product = await RedemptionApiTests.NewProductAsync(_app, _community, shop, price: 4, stock: 10, "毛巾");
        var (mine, _) = await RedemptionApiTests.NewResidentAsync(_app, _community, 20);
        var (theirs, _) = await RedemptionApiTests.NewResidentAsync(_app, _community, 20);
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        var voucher = await Json(await shopkeeper.PostAsJsonAsync(Api("/vouchers"), new { shopId = shop, accountId = theirs, items = new[] { new { productId = product, quantity = 1 } } }));
        var voucherId = voucher.GetProperty("voucherId").GetInt64();
        using var page = await _app.PageClientAsync("committee");
        var html = Html(await page.GetStringAsync($"/points/{_community}/accounts/{mine}"));

        using var cancel = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["voucherId"] = Id(voucherId), ["__RequestVerificationToken"] = AppFactory.Antiforgery(html),
        });
        using var refused = await page.PostAsync($"/points/{_community}/accounts/{mine}?handler=CancelVoucher", cancel);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Between(Html(await refused.Content.ReadAsStringAsync()), "data-testid=\"error\"", "</p>"), Does.Contain("不是本账户未核销的兑换券"));
        Assert.That(await _app.ScalarAsync<string>("SELECT status FROM vouchers WHERE id = @voucherId", new { voucherId }), Is.EqualTo("issued"));
    }

    [Test]
    public async Task TheAccountPage_ShowsNoWaitingClaims_OnceTheyAreDecided()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var reviewer = await _app.ClientAsAsync("reviewer");
        var account = await HouseholdAccountAsync(committee);
        var claim = await ClaimAsync(committee, Api("/claims"), account, "稍后驳回");
        using var page = await _app.PageClientAsync("committee");
        Assert.That(Html(await page.GetStringAsync($"/points/{_community}/accounts/{account}")), Does.Contain($"data-testid=\"waiting-claim-{claim}\""));

        Assert.That((await reviewer.PostAsJsonAsync(Api($"/claims/{claim}/reject"), new { reason = "不属实" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var after = Html(await page.GetStringAsync($"/points/{_community}/accounts/{account}"));
        Assert.That(after, Does.Not.Contain("data-testid=\"waiting-claims\"").And.Contain("还没有记录。"));
        var other = await HouseholdAccountAsync(committee);
        var elsewhere = await ClaimAsync(committee, Api("/claims"), other, "别户的申报");
        Assert.That(Html(await page.GetStringAsync($"/points/{_community}/accounts/{account}")), Does.Not.Contain($"waiting-claim-{elsewhere}"),
            "only this account's claims");
    }
}

[TestFixture]
public sealed class SqliteCommitteePagesTests() : CommitteePagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCommitteePagesTests() : CommitteePagesTests(DatabaseProvider.SqlServer);
