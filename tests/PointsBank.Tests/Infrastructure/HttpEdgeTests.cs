using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Infrastructure;

/// <summary>
/// The HTTP edge through the real host: requests bound straight from body, route and header; bodies that say more
/// or other than the request takes are refused and change nothing; framework errors are problems with a code.
/// </summary>
public abstract class HttpEdgeTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private HttpClient _committee = null!;
    private long _community;
    private long _account;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        _committee = await _app.ClientAsAsync("committee");
        _community = await _app.DemoCommunityAsync();
        _account = await _app.ScalarAsync<long>("SELECT MIN(id) FROM accounts WHERE kind = 'household' AND community_id = @c", new { c = _community });
        await TestRules.AwardAsync(_app.Services, _community, 1);
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        _committee.Dispose();
        await _app.DisposeAsync();
    }

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    /// <summary>Sends a request that must be refused with a 4xx, and checks it wrote no row to <paramref name="table"/>.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Problem)> RefusedAsync(HttpRequestMessage request, string table = "ledger_transactions")
    {
        var before = await CountAsync(table);
        var response = await _committee.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.InRange(400, 499));
        Assert.That(await CountAsync(table), Is.EqualTo(before), $"a refused request adds nothing to {table}");
        return (response.StatusCode, await Body(response));
    }

    private Task<long> CountAsync(string table) => _app.ScalarAsync<long>($"SELECT COUNT(*) FROM {table}");

    private static HttpRequestMessage Json(HttpMethod method, string url, string json, params string[] keys)
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var key in keys)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }
        return request;
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    // An award by a fixed test rule of 1 point (no limits), with an evidence note; points only when a test sends them.
    private string Award(string extra = "", string? points = null, string note = "\"拾金不昧\"") =>
        $$"""{"accountId":{{_account}},"ruleCode":"{{TestRules.AwardCode(1)}}"{{(points is null ? "" : ",\"points\":" + points)}},"evidenceNote":{{note}}{{extra}}}""";

    [Test]
    public async Task Award_BoundFromBodyRouteAndHeader_Posts201_AndReplays200()
    {
        var key = "edge-" + Guid.NewGuid();

        var first = await _committee.SendAsync(Json(HttpMethod.Post, Api("/awards"), Award(), key));
        var again = await _committee.SendAsync(Json(HttpMethod.Post, Api("/awards"), Award(), key));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var seq = (await Body(first)).GetProperty("seq").GetInt64();
        Assert.That(first.Headers.Location?.ToString(), Is.EqualTo(Api($"/transactions/{seq}")));
        Assert.That((await Body(first)).GetProperty("category").GetString(), Is.EqualTo("good_deed"), "the rule's category");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(again.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That((await Body(again)).GetProperty("seq").GetInt64(), Is.EqualTo(seq));
    }

    [TestCase("minutes", "5")]
    [TestCase("actor", "\"user:someone-else\"")]
    [TestCase("kind", "\"reversal\"")]
    [TestCase("hash", "\"00\"")]
    [TestCase("communityId", "999")]
    [TestCase("idempotencyKey", "\"from-the-body\"")]
    public async Task Award_WithAMemberItDoesNotTake_Is400UnknownMember_AndWritesNothing(string member, string value)
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/awards"), Award($",\"{member}\":{value}"), "edge-" + Guid.NewGuid()));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("unknown_member"));
        Assert.That(problem.GetProperty("member").GetString(), Is.EqualTo("$." + member));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("请求内容含有不认识的字段"));
    }

    [Test]
    public async Task RosterWrite_WithAnUnknownMember_Is400_AndAddsNoGrid()
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/grids"), """{"name":"四组","colour":"red"}"""), "grids");

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("unknown_member"));
    }

    [TestCase("\"5\"")]
    [TestCase("\"+5\"")]
    [TestCase("5.5")]
    public async Task Award_WithPointsThatAreNotAJsonInteger_Is400_AndWritesNothing(string points)
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/awards"), Award(points: points), "edge-" + Guid.NewGuid()));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("invalid_request"));
        Assert.That(problem.GetProperty("member").GetString(), Is.EqualTo("$.points"));
    }

    [TestCase("\"拾金\\u0000不昧\"", "不能包含控制字符")]
    [TestCase("\"拾金\\r\\n不昧\"", "不能包含控制字符")]
    [TestCase("\"\\u202e昧不金拾\"", "不能包含文字方向控制字符")]
    [TestCase("\"\\u200b\\u200b\"", "必须包含可见的文字")]
    [TestCase("\"\\u3164\"", "必须包含可见的文字")]
    public async Task Award_WithAnEvidenceNoteThatCannotBeStored_Is400_AndWritesNothing(string note, string message)
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/awards"), Award(note: note), "edge-" + Guid.NewGuid()));

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("validation_failed"));
        Assert.That(problem.GetProperty("errors").GetProperty("evidenceNote")[0].GetString(), Is.EqualTo(message));
    }

    [Test]
    public async Task RosterName_WithANul_Is400_AndAddsNoHousehold()
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/households"), """{"code":"四组-01","address":"示范村\u0000路"}"""), "households");

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("validation_failed"));
        Assert.That(problem.GetProperty("errors").TryGetProperty("address", out _), Is.True);
    }

    [Test]
    public async Task IdempotencyKey_SentTwice_Is400WithItsOwnCode_AndWritesNothing()
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/awards"), Award(), "edge-a", "edge-b"));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("idempotency_key_repeated"));
    }

    [TestCase("键-1")]
    [TestCase("   ")]
    public async Task IdempotencyKey_NotPrintableAscii_Is400KeyRequired(string key)
    {
        var (status, problem) = await RefusedAsync(Json(HttpMethod.Post, Api("/awards"), Award(), key));

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("idempotency_key_required"));
    }

    [Test]
    public async Task Body_ThatIsNotJson_Is415_AndMalformedJsonIs400()
    {
        var text = new HttpRequestMessage(HttpMethod.Post, Api("/grids")) { Content = new StringContent("name=四组", Encoding.UTF8, "text/plain") };

        var unsupported = await _committee.SendAsync(text);
        var malformed = await _committee.SendAsync(Json(HttpMethod.Post, Api("/grids"), """{"name":"""));

        Assert.That(unsupported.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That((await Body(unsupported)).GetProperty("code").GetString(), Is.EqualTo("unsupported_media_type"));
        Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Body(malformed)).GetProperty("code").GetString(), Is.EqualTo("invalid_request"));
    }

    [TestCase("/api/v1/nope", null, "未找到")]
    [TestCase("/api/v1/nope", "en-GB,en;q=0.9", "Not found")]
    [TestCase("/api/v1/communities/abc/grids", null, "未找到")]
    public async Task UnknownApiAddress_Is404Problem_WithACode(string path, string? language, string title)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (language is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(language);
        }

        var response = await _committee.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await Body(response);
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("not_found"));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo(title));
    }

    [Test]
    public async Task WrongMethod_Is405Problem_AndNoTokenIs401Problem()
    {
        var wrong = await _committee.DeleteAsync(Api("/awards"));
        using var anonymous = _app.CreateClient();
        var unauthenticated = await anonymous.GetAsync(Api("/grids"));

        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That((await Body(wrong)).GetProperty("code").GetString(), Is.EqualTo("method_not_allowed"));
        Assert.That(unauthenticated.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Body(unauthenticated)).GetProperty("code").GetString(), Is.EqualTo("unauthorized"));
    }

    [Test]
    public async Task UnknownPage_IsAChinese404Page_WithAnEnglishSwitch()
    {
        using var browser = _app.CreateClient();
        var chinese = await browser.GetAsync("/nope");
        using var english = new HttpRequestMessage(HttpMethod.Get, "/nope");
        english.Headers.Add("Cookie", "lang=en");
        var inEnglish = await browser.SendAsync(english);

        Assert.That(chinese.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(chinese.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        var html = WebUtility.HtmlDecode(await chinese.Content.ReadAsStringAsync());
        Assert.That(html, Does.Contain("页面不存在").And.Contain("lang=en"));
        Assert.That(WebUtility.HtmlDecode(await inEnglish.Content.ReadAsStringAsync()), Does.Contain("Page not found"));
    }

    [Test]
    public async Task TooManyRequests_IsAProblemForTheApi_AndAChinesePageForPeople()
    {
        await using var limited = _app.WithWebHostBuilder(b => b.UseSetting("RateLimits:SignInPerMinute", "1"));
        using var client = limited.CreateClient();
        var credentials = new { username = "reviewer", password = "wrong-password-1" };
        await client.PostAsJsonAsync("/api/v1/auth/token", credentials);
        var api = await client.PostAsJsonAsync("/api/v1/auth/token", credentials);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Username"] = "reviewer", ["Password"] = "x" });
        var page = await client.PostAsync("/login", form);

        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await Body(api)).GetProperty("code").GetString(), Is.EqualTo("too_many_requests"));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()), Does.Contain("尝试次数过多"));
    }

    [Test]
    public async Task TokenResponse_IsNeverCached()
    {
        using var anonymous = _app.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "reviewer", password = "reviewer" + AppFactory.DemoPasswordSuffix });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(response.Headers.Pragma.ToString(), Is.EqualTo("no-cache"));
    }

    [Test]
    public async Task OpenApi_ShowsTheRequestBodyAndResponses_OfABoundRequest()
    {
        using var client = _app.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var award = document.GetProperty("paths").GetProperty("/api/v1/communities/{communityId}/awards").GetProperty("post");
        var schema = award.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.That(schema.GetProperty("$ref").GetString(), Does.EndWith("/AwardPoints"));
        var properties = document.GetProperty("components").GetProperty("schemas").GetProperty("AwardPoints").GetProperty("properties");
        Assert.That(properties.EnumerateObject().Select(p => p.Name), Does.Contain("ruleCode").And.Contain("facts").And.Contain("occurredOn")
            .And.Not.Contain("communityId").And.Not.Contain("idempotencyKey"));
        Assert.That(award.GetProperty("responses").EnumerateObject().Select(r => r.Name), Does.Contain("201").And.Contain("200"));
        var balance = document.GetProperty("paths").GetProperty("/api/v1/communities/{communityId}/accounts/{accountId}/history").GetProperty("get");
        Assert.That(balance.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()),
            Is.SupersetOf(new[] { "communityId", "accountId", "page", "pageSize" }));
    }
}

[TestFixture]
public sealed class SqliteHttpEdgeTests() : HttpEdgeTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerHttpEdgeTests() : HttpEdgeTests(DatabaseProvider.SqlServer);
