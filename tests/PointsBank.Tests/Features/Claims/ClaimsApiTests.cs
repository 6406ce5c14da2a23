using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Claims;

/// <summary>
/// Claims through the real host: the routes and fields of API.md, the refusal of one's own claim as a 403 with its
/// code, and the public 公示 list and page (anonymous, names masked).
/// </summary>
public abstract class ClaimsApiTests(DatabaseProvider provider) : EngineFixture(provider)
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

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The text between the first <paramref name="start"/> and the next <paramref name="end"/> (fails if absent).</summary>
    private static string Between(string html, string start, string end)
    {
        var from = html.IndexOf(start, StringComparison.Ordinal);
        Assert.That(from, Is.GreaterThanOrEqualTo(0), $"the page has {start}");
        from += start.Length;
        return html[from..html.IndexOf(end, from, StringComparison.Ordinal)];
    }

    private static string Yesterday => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Test]
    public async Task SubmitApproveAndObject_OverHttp_AndTheNoticeIsPublic_WithTheNameMasked()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var reviewer = await _app.ClientAsAsync("reviewer");
        var code = $"公示-{Guid.NewGuid():N}"[..12];
        var household = (await Json(await committee.PostAsJsonAsync(Api("/households"), new { code }))).GetProperty("householdId").GetInt64();
        var resident = (await Json(await committee.PostAsJsonAsync(Api("/residents"), new { householdId = household, fullName = "欧阳娜娜" }))).GetProperty("residentId").GetInt64();
        var account = (await Json(await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = household }))).GetProperty("accountId").GetInt64();

        var submitted = await reviewer.PostAsJsonAsync(Api("/claims"),
            new { accountId = account, memberId = resident, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = "调解邻里纠纷，有协议书" });
        var claim = await Json(submitted);
        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), claim.ToString());
        Assert.That(claim.GetProperty("status").GetString(), Is.EqualTo("submitted"));
        var id = claim.GetProperty("id").GetInt64();

        var own = await reviewer.PostAsJsonAsync(Api($"/claims/{id}/approve"), new { note = "自己审自己" });
        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Json(own)).GetProperty("code").GetString(), Is.EqualTo("self_approval"));

        Assert.That(claim.GetProperty("actorNames").GetProperty("user:reviewer").GetString(), Is.EqualTo("李评议（评议员）"),
            "the submission's answer names its submitter in words");
        var approved = await committee.PostAsJsonAsync(Api($"/claims/{id}/approve"), new { note = "属实" });
        var approvedClaim = await Json(approved);
        Assert.That(approvedClaim.GetProperty("status").GetString(), Is.EqualTo("noticed"));
        Assert.That(approvedClaim.GetProperty("actorNames").EnumerateObject().Select(p => (p.Name, p.Value.GetString())),
            Is.EquivalentTo(new[] { ("user:reviewer", "李评议（评议员）"), ("user:committee", "王书记（两委）") }),
            "the review's answer names the submitter and the reviewer, as the queue does");
        var objected = await reviewer.PostAsJsonAsync(Api($"/claims/{id}/objections"), new { reason = "协议书未签字" });
        Assert.That(objected.StatusCode, Is.EqualTo(HttpStatusCode.OK), await objected.Content.ReadAsStringAsync());

        using var anonymous = _app.CreateClient();
        var notices = await anonymous.GetFromJsonAsync<JsonElement>(Api("/notices"));
        var notice = notices.EnumerateArray().Single(n => n.GetProperty("claimId").GetInt64() == id);
        Assert.That(notice.GetProperty("memberName").GetString(), Is.EqualTo("欧*娜"));
        Assert.That(notice.GetProperty("ruleNameZh").GetString(), Is.EqualTo("调解邻里矛盾纠纷"));
        Assert.That(notice.GetProperty("objectionPending").GetBoolean(), Is.True);
        Assert.That(notices.ToString(), Does.Not.Contain("欧阳娜娜"));

        var page = WebUtility.HtmlDecode(await anonymous.GetStringAsync($"/notices/{_community}"));
        Assert.That(page, Does.Contain("积分公示").And.Contain("欧*娜").And.Contain(code).And.Not.Contain("欧阳娜娜"));

        // The committee's queue names the objector in words (the reviewer's display name), not user:reviewer.
        using var committeePage = await _app.PageClientAsync("committee");
        var queue = WebUtility.HtmlDecode(await committeePage.GetStringAsync($"/claims/{_community}"));
        var reviewerName = await _app.ScalarAsync<string>("SELECT display_name FROM users WHERE username = 'reviewer'", new { });
        var noticed = Between(queue, $"data-testid=\"noticed-{id}\"", "</article>");
        Assert.That(noticed, Does.Contain($"（{reviewerName}）：协议书未签字").And.Contain($"户号：{code}").And.Not.Contain("user:reviewer"));
        Assert.That(noticed, Does.Contain("欧阳娜娜"), "the committee may see full names");
    }



    [Test]
    public async Task TheReviewerQueuePage_ListsASubmittedClaim_AndApprovesIt()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var code = $"审核-{Guid.NewGuid():N}"[..12];
        var household = (await Json(await committee.PostAsJsonAsync(Api("/households"), new { code }))).GetProperty("householdId").GetInt64();
        var account = (await Json(await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = household }))).GetProperty("accountId").GetInt64();
        var id = (await Json(await committee.PostAsJsonAsync(Api("/claims"),
            new { accountId = account, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = "页面审核测试" }))).GetProperty("id").GetInt64();
        var committeeName = await _app.ScalarAsync<string>("SELECT display_name FROM users WHERE username = 'committee'", new { });
        using var reviewer = await _app.PageClientAsync("reviewer");

        var queue = WebUtility.HtmlDecode(await reviewer.GetStringAsync($"/claims/{_community}"));
        Assert.That(queue, Does.Contain("审核申报").And.Contain($"data-testid=\"claim-{id}\"").And.Contain("页面审核测试"));
        var whose = Between(queue, $"data-testid=\"whose-{id}\">", "</p>");
        Assert.That(whose, Does.Contain($"户号：{code}").And.Not.Contain($"#{account}"), "the household's code, not the account's internal id");
        Assert.That(Between(queue, $"data-testid=\"submitter-{id}\">", "</p>"), Does.Contain($"提交人：{committeeName}"));
        Assert.That(queue, Does.Not.Contain("user:committee"), "no raw actor on the page");
        using var approve = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["claimId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["note"] = "属实", ["__RequestVerificationToken"] = AppFactory.Antiforgery(queue),
        });
        var approved = await reviewer.PostAsync($"/claims/{_community}?handler=Approve", approve);

        Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), WebUtility.HtmlDecode(await approved.Content.ReadAsStringAsync()));
        var claims = await committee.GetFromJsonAsync<JsonElement>(Api("/claims?status=noticed"));
        Assert.That(claims.EnumerateArray().Any(c => c.GetProperty("id").GetInt64() == id && c.GetProperty("reviewedBy").GetString() == "user:reviewer"));
    }

    [Test]
    public async Task TheQueuePage_OffersTheSubmitterAWithdrawal_NotTheOtherReviewer_AndWithdrawing_TakesTheClaimOffTheQueue()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var reviewerApi = await _app.ClientAsAsync("reviewer");
        var household = (await Json(await committee.PostAsJsonAsync(Api("/households"), new { code = $"撤回-{Guid.NewGuid():N}"[..12] }))).GetProperty("householdId").GetInt64();
        var account = (await Json(await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = household }))).GetProperty("accountId").GetInt64();
        var mine = (await Json(await reviewerApi.PostAsJsonAsync(Api("/claims"),
            new { accountId = account, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = "评议员自己的申报" }))).GetProperty("id").GetInt64();
        var theirs = (await Json(await committee.PostAsJsonAsync(Api("/claims"),
            new { accountId = account, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = "两委的申报" }))).GetProperty("id").GetInt64();
        using var reviewer = await _app.PageClientAsync("reviewer");

        var queue = WebUtility.HtmlDecode(await reviewer.GetStringAsync($"/claims/{_community}"));
        Assert.That(queue, Does.Contain($"id=\"withdraw-{mine}\"").And.Not.Contain($"id=\"withdraw-{theirs}\""),
            "the reviewer may withdraw their own claim, not the committee's");
        using var withdraw = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["claimId"] = mine.ToString(System.Globalization.CultureInfo.InvariantCulture), ["reason"] = "材料不全，先撤回",
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(queue),
        });
        var withdrawn = await reviewer.PostAsync($"/claims/{_community}?handler=Withdraw", withdraw);

        Assert.That(withdrawn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), WebUtility.HtmlDecode(await withdrawn.Content.ReadAsStringAsync()));
        var claim = (await committee.GetFromJsonAsync<JsonElement>(Api("/claims?status=withdrawn"))).EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == mine);
        Assert.That((claim.GetProperty("withdrawnBy").GetString(), claim.GetProperty("withdrawReason").GetString()), Is.EqualTo(("user:reviewer", "材料不全，先撤回")));
        var after = WebUtility.HtmlDecode(await reviewer.GetStringAsync($"/claims/{_community}"));
        Assert.That(after, Does.Not.Contain($"data-testid=\"claim-{mine}\"").And.Contain($"data-testid=\"claim-{theirs}\""));
    }
}

[TestFixture]
public sealed class SqliteClaimsApiTests() : ClaimsApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerClaimsApiTests() : ClaimsApiTests(DatabaseProvider.SqlServer);
