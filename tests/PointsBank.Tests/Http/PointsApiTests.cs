using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Http;

/// <summary>The HTTP API through the real host: demo seed, health, writes with their keys, problem details.</summary>
public abstract class PointsApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _account;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        _community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        _account = await connection.ExecuteScalarAsync<long>(
            "SELECT MIN(a.id) FROM accounts a JOIN balances b ON b.account_id = a.id WHERE a.kind = 'household' AND a.community_id = @c AND b.balance > 20",
            new { c = _community });
        foreach (var points in new long[] { 1, 2, 6, 7 })
        {
            await TestRules.AwardAsync(_app.Services, _community, points);
        }
        await TestRules.AwardAsync(_app.Services, _community, 3, "neighbourliness");
        await TestRules.DeductAsync(_app.Services, _community, 10_000);
    }

    /// <summary>A fixed test rule of <paramref name="points"/> without limits, added to the demo catalogue at set-up.</summary>
    private static string R(long points) => TestRules.AwardCode(points);

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static HttpRequestMessage Post(string url, object body, string? key, string? language = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        if (language is not null)
        {
            request.Headers.Add("Accept-Language", language);
        }
        return request;
    }

    [Test]
    public async Task HealthReady_Answers200_AndTheDemoHasABalance()
    {
        using var client = await _app.ClientAsAsync("committee");

        var ready = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");
        var balance = await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{_account}/balance"));

        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Json(ready)).GetProperty("status").GetString(), Is.EqualTo("ready"));
        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(balance.GetProperty("balance").GetInt64(), Is.GreaterThan(20));
        Assert.That(balance.GetProperty("available").GetInt64(),
            Is.EqualTo(balance.GetProperty("balance").GetInt64() - balance.GetProperty("held").GetInt64()));
    }

    [Test]
    public async Task History_IsNewestFirst_WithExplanations_AndPaged()
    {
        using var client = await _app.ClientAsAsync("committee");

        var page = await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{_account}/history?pageSize=2"));
        var tooBig = await client.GetAsync(Api($"/accounts/{_account}/history?pageSize=1000"));

        var seqs = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToList();
        Assert.That(seqs, Has.Count.EqualTo(2));
        Assert.That(seqs, Is.Ordered.Descending);
        Assert.That(page.GetProperty("items")[0].GetProperty("explanation").GetString(), Is.Not.Empty);
        Assert.That(page.GetProperty("hasMore").GetBoolean(), Is.True);
        Assert.That(tooBig.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Award_PostsOnce_ReplaysWithTheSameKey_AndConflictsWithAnotherPayload()
    {
        using var client = await _app.ClientAsAsync("committee");
        var key = Guid.NewGuid().ToString();
        var before = (await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{_account}/balance"))).GetProperty("balance").GetInt64();

        var created = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(6) }, key));
        var replay = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(6) }, key));
        var conflict = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(7) }, key));
        var after = (await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{_account}/balance"))).GetProperty("balance").GetInt64();

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(created.Headers.Location!.ToString(), Does.StartWith(Api("/transactions/")));
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(replay.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That((await Json(replay)).GetProperty("seq").GetInt64(), Is.EqualTo((await Json(created)).GetProperty("seq").GetInt64()));
        Assert.That(conflict.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await Json(conflict)).GetProperty("code").GetString(), Is.EqualTo("idempotency_conflict"));
        Assert.That(after - before, Is.EqualTo(6));
    }

    [Test]
    public async Task Award_OverHttp_IsOneWriteTransaction_WithItsAuditRow()
    {
        if (Provider != DatabaseProvider.Sqlite)
        {
            Assert.Ignore("counts the SQLite data source's commits; SQL Server's data source keeps no such count (the one-transaction rule is the unit of work's, shared by both)");
        }
        using var client = await _app.ClientAsAsync("committee");
        var sqlite = (PointsBank.Data.SqliteDataSource)_app.Services.GetRequiredService<DbDataSource>();
        var key = Guid.NewGuid().ToString();
        await client.GetAsync(Api($"/accounts/{_account}/balance"));

        var commitsBefore = sqlite.Commits;
        var created = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(2) }, key));
        var commits = sqlite.Commits - commitsBefore;

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(commits, Is.EqualTo(1), "the ledger transaction, its projections, the request key and the audit row commit together");
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        var audited = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'AwardPoints' AND outcome = 'ok' AND target LIKE @key", new { key = $"%{_account}%" });
        Assert.That(audited, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task CreatingAHousehold_WithAKey_ReplaysTheFirstAnswer_AndCreatesOnce()
    {
        using var client = await _app.ClientAsAsync("committee");
        var key = Guid.NewGuid().ToString();
        var code = $"八组-{Guid.NewGuid():N}"[..12];
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();

        var first = await client.SendAsync(Post(Api("/households"), new { code, address = "八组 1 号" }, key));
        var again = await client.SendAsync(Post(Api("/households"), new { code, address = "八组 1 号" }, key));
        var other = await client.SendAsync(Post(Api("/households"), new { code = code + "x", address = "八组 2 号" }, key));
        var withoutKey = await client.SendAsync(Post(Api("/households"), new { code = code + "y" }, null));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(first.Headers.Contains("Idempotent-Replayed"), Is.False);
        Assert.That(again.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That((await Json(again)).GetProperty("householdId").GetInt64(), Is.EqualTo((await Json(first)).GetProperty("householdId").GetInt64()));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await Json(other)).GetProperty("code").GetString(), Is.EqualTo("idempotency_conflict"));
        Assert.That(withoutKey.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the key is optional where nothing is posted");
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM households WHERE code LIKE @code", new { code = code + "%" }),
            Is.EqualTo(2));
    }

    [Test]
    public async Task ATransaction_FromTheApi_CarriesEverythingItsHashIsComputedFrom()
    {
        using var client = await _app.ClientAsAsync("committee");
        // Yesterday in Shanghai (the app runs on the real clock here).
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var created = await client.SendAsync(Post(Api("/awards"),
            new { accountId = _account, ruleCode = TestRules.AwardCode(3, "neighbourliness"), evidenceNote = "帮邻居收麦", occurredOn = yesterday }, Guid.NewGuid().ToString()));
        var seq = (await Json(created)).GetProperty("seq").GetInt64();

        var t = await client.GetFromJsonAsync<JsonElement>(Api($"/transactions/{seq}"));
        static long? Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt64();
        var rebuilt = new PointsBank.Ledger.LedgerTransaction(0, t.GetProperty("communityId").GetInt64(), t.GetProperty("seq").GetInt64(),
            PointsBank.Ledger.LedgerNames.ParseKind(t.GetProperty("kind").GetString()!), t.GetProperty("category").GetString()!,
            t.GetProperty("key").GetString()!, t.GetProperty("ruleCode").GetString(), (int?)Number(t.GetProperty("ruleVersion")),
            t.GetProperty("facts").GetString()!, t.GetProperty("explanation").GetString()!, t.GetProperty("actor").GetString()!,
            Number(t.GetProperty("memberId")), (int?)Number(t.GetProperty("minutes")), Number(t.GetProperty("reversesSeq")),
            t.GetProperty("occurredAt").GetDateTime().ToUniversalTime(), t.GetProperty("prevHash").GetString()!, "",
            t.GetProperty("postings").EnumerateArray().Select(p => new PointsBank.Ledger.PostingLine(p.GetProperty("accountId").GetInt64(),
                p.GetProperty("amount").GetInt64())).ToList())
        {
            EffectiveDate = DateOnly.Parse(t.GetProperty("effectiveDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        };

        Assert.That(t.GetProperty("effectiveDate").GetString(), Is.EqualTo(yesterday));
        Assert.That(t.GetProperty("canonicalVersion").GetString(), Is.EqualTo("pointsbank-tx-v2"));
        Assert.That(t.GetProperty("key").GetString(), Does.StartWith("client:"));
        Assert.That(PointsBank.Ledger.CanonicalForm.Hash(rebuilt.PrevHash, rebuilt), Is.EqualTo(t.GetProperty("hash").GetString()));
    }

    [Test]
    public async Task AnonymousReads_AddNoAuditRows_ButAnonymousWritesDo()
    {
        using var anonymous = _app.CreateClient();
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log");

        for (var i = 0; i < 5; i++)
        {
            var read = await anonymous.GetAsync(Api($"/accounts/{_account}/balance"));
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }
        var afterReads = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log");
        var write = await anonymous.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(1) }, "anonymous-write"));
        var afterWrite = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log");

        Assert.That(afterReads, Is.EqualTo(before));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(afterWrite, Is.EqualTo(before + 1));
    }

    [Test]
    public async Task Writes_WithoutAToken_Are401_AndChangeNothing()
    {
        using var anonymous = _app.CreateClient();
        using var committee = await _app.ClientAsAsync("committee");
        var before = await committee.GetStringAsync(Api($"/accounts/{_account}/balance"));

        var response = await anonymous.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(6) }, "no-token"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Json(response)).GetProperty("code").GetString(), Is.EqualTo("unauthorized"));
        Assert.That(await committee.GetStringAsync(Api($"/accounts/{_account}/balance")), Is.EqualTo(before));
    }

    [Test]
    public async Task Award_WithoutIdempotencyKey_IsAClear400()
    {
        using var client = await _app.ClientAsAsync("committee");

        var response = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(6) }, key: null));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Json(response)).GetProperty("code").GetString(), Is.EqualTo("idempotency_key_required"));
    }

    [Test]
    public async Task MissingIdempotencyKey_FromCallersWhoMayNotWrite_IsStill401Or403_AndAudited()
    {
        using var anonymous = _app.CreateClient();
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");

        var anonymousResponse = await anonymous.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(1) }, key: null));
        var shopkeeperResponse = await shopkeeper.SendAsync(Post(Api("/deductions"), new { accountId = _account, ruleCode = R(1) }, key: null));

        Assert.That(anonymousResponse.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(shopkeeperResponse.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var committee = await _app.ClientAsAsync("committee");
        var audit = await committee.GetFromJsonAsync<JsonElement>(Api("/audit?actor=user:shopkeeper&action=DeductPoints"));
        Assert.That(audit.GetProperty("items")[0].GetProperty("outcome").GetString(), Is.EqualTo("denied:forbidden"));
    }

    [TestCase(null, "请求内容有误", "必须在 1 到 100000 之间")]
    [TestCase("zh-CN,zh;q=0.9", "请求内容有误", "必须在 1 到 100000 之间")]
    [TestCase("en-US,en;q=0.9", "The request is invalid", "must be between 1 and 100000")]
    public async Task ValidationErrors_AreProblemDetails_InTheCallersLanguage(string? language, string title, string message)
    {
        using var client = await _app.ClientAsAsync("committee");

        var response = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = "public_labour", points = 0, reason = "" }, "v-" + Guid.NewGuid(), language));

        var problem = await Json(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("validation_failed"));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo(title));
        Assert.That(problem.GetProperty("errors").GetProperty("points")[0].GetString(), Is.EqualTo(message));
        Assert.That(problem.GetProperty("errors").TryGetProperty("reason", out _), Is.True);
    }

    [TestCase(null, "请选择一条积分细则：奖励和扣分的分值都由细则计算")]
    [TestCase("en", "Pick a rule: awards and deductions take their points from a rule of the catalogue")]
    public async Task AnAwardOrDeductionWithoutARule_IsRuleRequired_AndChangesNothing(string? language, string title)
    {
        using var client = await _app.ClientAsAsync("committee");
        var before = await client.GetStringAsync(Api($"/accounts/{_account}/balance"));
        var entries = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ledger_transactions");

        var award = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, points = 6 }, "nr-" + Guid.NewGuid(), language));
        var deduction = await client.SendAsync(Post(Api("/deductions"), new { accountId = _account, points = 6 }, "nr-" + Guid.NewGuid(), language));
        var fixedWithPoints = await client.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(6), points = 60 }, "nr-" + Guid.NewGuid()));

        foreach (var response in new[] { award, deduction })
        {
            var problem = await Json(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("rule_required"), problem.ToString());
            Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo(title));
        }
        Assert.That(fixedWithPoints.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Json(fixedWithPoints)).GetProperty("code").GetString(), Is.EqualTo("points_not_allowed"));
        Assert.That(await client.GetStringAsync(Api($"/accounts/{_account}/balance")), Is.EqualTo(before));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM ledger_transactions"), Is.EqualTo(entries));
    }

    [Test]
    public async Task UnknownAccount_Is404_NotSomethingElse()
    {
        using var client = await _app.ClientAsAsync("committee");

        var read = await client.GetAsync(Api("/accounts/999999/balance"));
        var write = await client.SendAsync(Post(Api("/awards"), new { accountId = 999999, ruleCode = R(1) }, "u-" + Guid.NewGuid()));
        var otherCommunity = await client.GetAsync($"/api/v1/communities/999/accounts/{_account}/balance");

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Json(read)).GetProperty("code").GetString(), Is.EqualTo("account_not_found"));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(otherCommunity.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "no role in community 999: refused before any look-up");
    }

    [Test]
    public async Task MalformedJson_IsA400Problem()
    {
        using var client = await _app.ClientAsAsync("committee");
        var request = new HttpRequestMessage(HttpMethod.Post, Api("/awards"))
        {
            Content = new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", "m-" + Guid.NewGuid());

        var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Json(response)).GetProperty("code").GetString(), Is.EqualTo("invalid_request"));
    }

    [Test]
    public async Task Deduction_IsCappedAndSaysSo_AndReversalRestoresIt_Once()
    {
        using var client = await _app.ClientAsAsync("committee");
        var before = (await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{_account}/balance"))).GetProperty("available").GetInt64();

        var deduction = await Json(await client.SendAsync(Post(Api("/deductions"),
            new { accountId = _account, ruleCode = TestRules.DeductCode(10_000), evidenceNote = "违章搭建" }, "d-" + Guid.NewGuid())));
        var seq = deduction.GetProperty("seq").GetInt64();
        var reversal = await client.SendAsync(Post(Api($"/transactions/{seq}/reversal"), new { reason = "复核后撤销" }, "r-" + Guid.NewGuid()));
        var second = await client.SendAsync(Post(Api($"/transactions/{seq}/reversal"), new { reason = "再次撤销" }, "r-" + Guid.NewGuid(), "en"));
        var after = (await client.GetFromJsonAsync<JsonElement>(Api($"/accounts/{_account}/balance"))).GetProperty("available").GetInt64();

        Assert.That(deduction.GetProperty("explanation").GetString(), Does.Contain($"实扣 {before} 分"));
        Assert.That(reversal.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Json(reversal)).GetProperty("reversesSeq").GetInt64(), Is.EqualTo(seq));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await Json(second);
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("already_reversed"));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("The transaction was already reversed"));
        Assert.That(after, Is.EqualTo(before));
    }

    [Test]
    public async Task OpenApiDocument_ListsEveryMappedRoute_WithItsAuthRequirement()
    {
        using var client = _app.CreateClient();
        var mapped = _app.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api", StringComparison.Ordinal) || e.RoutePattern.RawText.StartsWith("/health", StringComparison.Ordinal))
            .Select(e => (Path: System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.TrimEnd('/'), @"\{(\w+):[^}]+\}", "{$1}"),
                Method: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single().ToLowerInvariant(),
                Public: e.Metadata.GetMetadata<PointsBank.Infrastructure.EndpointAccess>()!.IsPublic))
            .ToList();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.That(mapped, Has.Count.GreaterThan(40));
        Assert.That(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _), Is.True);
        foreach (var (path, method, isPublic) in mapped)
        {
            Assert.That(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), Is.True, $"{method} {path} is missing");
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.That(operation.TryGetProperty("security", out _), Is.EqualTo(!isPublic), $"{method} {path}: security requirement");
        }
    }

    [Test]
    public async Task AuditLog_ShowsWritesAndDenials_NewestFirst_FilteredByActorAndAction()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var shopkeeper = await _app.ClientAsAsync("shopkeeper");
        await committee.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(1) }, "a-" + Guid.NewGuid()));
        var denied = await shopkeeper.SendAsync(Post(Api("/awards"), new { accountId = _account, ruleCode = R(1) }, "a-" + Guid.NewGuid()));

        var awards = await committee.GetFromJsonAsync<JsonElement>(Api("/audit?actor=user:committee&action=AwardPoints"));
        var denials = await committee.GetFromJsonAsync<JsonElement>(Api("/audit?actor=user:shopkeeper"));
        var shopkeeperReads = await shopkeeper.GetAsync(Api("/audit"));

        var items = awards.GetProperty("items").EnumerateArray().ToList();
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(items, Is.Not.Empty);
        Assert.That(items.Select(i => (i.GetProperty("actor").GetString(), i.GetProperty("action").GetString())), Is.All.EqualTo(("user:committee", "AwardPoints")));
        Assert.That(items.Select(i => i.GetProperty("id").GetInt64()), Is.Ordered.Descending);
        Assert.That(denials.GetProperty("items")[0].GetProperty("outcome").GetString(), Is.EqualTo("denied:forbidden"));
        Assert.That(shopkeeperReads.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task TheDemoLedger_Verifies()
    {
        var report = await _app.Services.GetRequiredService<PointsBank.Ledger.LedgerVerifier>().VerifyAsync();

        Assert.That(report.FirstBreak, Is.Null);
        Assert.That(report.Communities.Single().Transactions, Is.GreaterThan(40));
    }
}

[TestFixture]
public sealed class SqlitePointsApiTests() : PointsApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPointsApiTests() : PointsApiTests(DatabaseProvider.SqlServer);
