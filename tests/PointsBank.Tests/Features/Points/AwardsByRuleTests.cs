using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Points;

/// <summary>
/// Awards and deductions by a rule of the community's catalogue, through the real host: the points come from the
/// rule's evaluator, limits count the account's earlier entries of the rule by effective date, the entry names the
/// rule and its version and is explained by it, and refusals post nothing.
/// </summary>
public abstract class AwardsByRuleTests(DatabaseProvider provider) : EngineFixture(provider)
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

    private static string Today => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<long> NewAccountAsync(HttpClient client)
    {
        var household = await client.SendAsync(Send(Api("/households"), new { code = $"规则-{Guid.NewGuid():N}"[..12] }));
        var householdId = (await Json(household)).GetProperty("householdId").GetInt64();
        var account = await client.SendAsync(Send(Api("/accounts"), new { kind = "household", ownerId = householdId }));
        return (await Json(account)).GetProperty("accountId").GetInt64();
    }

    private static HttpRequestMessage Send(string url, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return request;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<long> BalanceAsync(HttpClient client, long account) =>
        (await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{account}/balance"))).GetProperty("balance").GetInt64();

    [Test]
    public async Task AGradedInspection_PostsTheRulesPoints_NamesTheRule_AndExplainsThem()
    {
        using var client = await _app.ClientAsAsync("committee");
        var account = await NewAccountAsync(client);

        var posted = await client.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "waste_sorting", facts = new { grade = "优" } }));
        var tx = await Json(posted);

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Created), tx.ToString());
        Assert.That(tx.GetProperty("ruleCode").GetString(), Is.EqualTo("waste_sorting"));
        Assert.That(tx.GetProperty("ruleVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(tx.GetProperty("category").GetString(), Is.EqualTo("hygiene"));
        Assert.That(tx.GetProperty("explanation").GetString(), Does.Contain("优").And.Contain("+10"));
        Assert.That(tx.GetProperty("facts").GetString(), Does.Contain("\"evaluation\""));
        Assert.That(await BalanceAsync(client, account), Is.EqualTo(10));
    }

    [Test]
    public async Task ASecondInspectionInTheSameMonth_IsRefused_AndPostsNothing_ButTheNextMonthCounts()
    {
        using var client = await _app.ClientAsAsync("committee");
        var account = await NewAccountAsync(client);
        var lastMonth = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddMonths(-1).ToString("yyyy-MM-15", System.Globalization.CultureInfo.InvariantCulture);

        var first = await client.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "waste_sorting", facts = new { grade = "良" }, occurredOn = Today }));
        var second = await client.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "waste_sorting", facts = new { grade = "优" }, occurredOn = Today }));
        var previousMonth = await client.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "waste_sorting", facts = new { grade = "优" }, occurredOn = lastMonth }));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), await second.Content.ReadAsStringAsync());
        Assert.That((await Json(second)).GetProperty("code").GetString(), Is.EqualTo("rule_refused"));
        Assert.That(previousMonth.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the limit is per effective month");
        Assert.That(await BalanceAsync(client, account), Is.EqualTo(6 + 10));
    }

    [Test]
    public async Task ADeductionByRule_IsNegative_AndAnAwardCannotUseIt()
    {
        using var client = await _app.ClientAsAsync("committee");
        var account = await NewAccountAsync(client);
        await client.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "public_labour" }));

        var wrongWay = await client.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "straw_burning", evidenceNote = "网格员照片 3 张" }));
        var deducted = await client.SendAsync(Send(Api("/deductions"), new { accountId = account, ruleCode = "straw_burning", evidenceNote = "网格员照片 3 张" }));

        Assert.That((await Json(wrongWay)).GetProperty("code").GetString(), Is.EqualTo("rule_is_a_deduction"));
        Assert.That(deducted.StatusCode, Is.EqualTo(HttpStatusCode.Created), await deducted.Content.ReadAsStringAsync());
        Assert.That((await Json(deducted)).GetProperty("explanation").GetString(), Does.Contain("网格员照片 3 张"));
        Assert.That(await BalanceAsync(client, account), Is.EqualTo(0), "5 for the labour, 5 deducted (the default cap takes at most what there is)");
    }

    [Test]
    public async Task RulesThatNeedAClaim_BecomeOneClaim_UnknownRules_AndRulesTheRoleMayNotRecord_AreRefusedWithTheirCodes()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var inspector = await _app.ClientAsAsync("inspector");
        var account = await NewAccountAsync(committee);

        var key = Guid.NewGuid().ToString();
        var claim = await committee.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "mediation", evidenceNote = "调解了两户的宅基地纠纷" }, key));
        var claimBody = await Json(claim);
        var retry = await committee.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "mediation", evidenceNote = "调解了两户的宅基地纠纷" }, key));
        var unknown = await committee.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "no_such_rule" }));
        var star = await committee.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "filial_piety_star" }));
        var mixed = await committee.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = "public_labour", reason = "理由" }));

        Assert.That(claim.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), claimBody.ToString());
        Assert.That(claimBody.GetProperty("status").GetString(), Is.EqualTo("submitted"));
        Assert.That(claimBody.GetProperty("explanation").GetString(), Does.StartWith("已提交申报，等待审核（第 "));
        Assert.That(claim.Headers.Location?.ToString(), Is.EqualTo(Api("/claims?status=submitted")));
        var claimId = claimBody.GetProperty("claimId").GetInt64();
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(retry.Headers.Contains("Idempotent-Replayed"), Is.True);
        Assert.That((await Json(retry)).GetProperty("claimId").GetInt64(), Is.EqualTo(claimId), "a retry answers the same claim");
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM claims WHERE account_id = @account", new { account }), Is.EqualTo(1));
        Assert.That((await Json(unknown)).GetProperty("code").GetString(), Is.EqualTo("rule_not_found"));
        Assert.That(star.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(mixed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "with a rule the note is evidenceNote, not reason");
        Assert.That(await BalanceAsync(committee, account), Is.EqualTo(20));
        var grid = await _app.ScalarAsync<long>("SELECT grid_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'inspector'");
        var inGrid = await _app.ScalarAsync<long>("SELECT MIN(a.id) FROM accounts a JOIN households h ON h.id = a.household_id WHERE h.grid_id = @grid",
            new { grid });
        var notTheirs = await inspector.SendAsync(Send(Api("/awards"), new { accountId = inGrid, ruleCode = "filial_piety_star" }));
        Assert.That((await Json(notTheirs)).GetProperty("code").GetString(), Is.EqualTo("rule_not_recordable"));
    }

    [Test]
    public async Task AfterARuleChanges_OldEntriesKeepTheirVersionAndExplanation_AndNewOnesUseTheNewVersion()
    {
        using var client = await _app.ClientAsAsync("committee");
        var first = await NewAccountAsync(client);
        var second = await NewAccountAsync(client);
        var rule = await client.GetFromJsonAsync<JsonElement>(Api("/rules/frontage_tidy"));
        var before = await Json(await client.SendAsync(Send(Api("/awards"), new { accountId = first, ruleCode = "frontage_tidy", facts = new { grade = "无问题" } })));

        var definition = JsonSerializer.Serialize(new
        {
            code = "frontage_tidy", nameZh = rule.GetProperty("nameZh").GetString(), nameEn = rule.GetProperty("nameEn").GetString(),
            category = "hygiene", formula = new { kind = "grade", grades = new object[] {
                new { grade = "无问题", gradeEn = "no findings", points = 30 }, new { grade = "1处问题", gradeEn = "1 finding", points = 20 } } },
            limits = new { maxPerMonth = 1 }, recordedBy = new[] { "committee", "inspector" },
        });
        using var put = new HttpRequestMessage(HttpMethod.Put, Api("/rules/frontage_tidy"))
        {
            Content = new StringContent("{\"rule\":" + definition + ",\"adoption\":{\"meeting\":\"2026年第4次村民代表大会\",\"adoptedOn\":\"" + Today + "\"}}",
                System.Text.Encoding.UTF8, "application/json"),
        };
        var changed = await client.SendAsync(put);
        Assert.That((int)changed.StatusCode, Is.InRange(200, 299), await changed.Content.ReadAsStringAsync());
        var after = await Json(await client.SendAsync(Send(Api("/awards"), new { accountId = second, ruleCode = "frontage_tidy", facts = new { grade = "无问题" } })));
        var old = await client.GetFromJsonAsync<JsonElement>(Api($"/transactions/{before.GetProperty("seq").GetInt64()}"));
        var versions = await client.GetFromJsonAsync<JsonElement>(Api("/rules/frontage_tidy/versions"));

        Assert.That(old.GetProperty("ruleVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(old.GetProperty("explanation").GetString(), Does.Contain("+25"), "the old entry keeps the old version's explanation");
        Assert.That(after.GetProperty("ruleVersion").GetInt32(), Is.EqualTo(2));
        Assert.That(after.GetProperty("explanation").GetString(), Does.Contain("+30"));
        Assert.That(versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()), Is.EqualTo(new[] { 2, 1 }));
    }
}

[TestFixture]
public sealed class SqliteAwardsByRuleTests() : AwardsByRuleTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAwardsByRuleTests() : AwardsByRuleTests(DatabaseProvider.SqlServer);
