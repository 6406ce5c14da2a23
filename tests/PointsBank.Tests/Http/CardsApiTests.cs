using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Http;

/// <summary>
/// Cards over HTTP through the real host: issuing (201, the URL the QR encodes), the QR PNG decoding to exactly that
/// URL, a new card revoking the old, the resident's card page /c/{token} (figures, explanations, masked name, no full
/// name or phone anywhere), one plain 404 page for every invalid token, and the PIN's validation.
/// </summary>
public abstract class CardsApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private const string FullName = "欧阳明华";
    private const string Phone = "13912345678";
    private const string Reason = "帮助邻居抢修屋顶";

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
        // A household whose only member has a full name and phone that must never reach the card page; 30 points
        // awarded with an explanation, 5 of them held by an open voucher.
        var household = (await Cli(new AddHousehold(_community, null, "卡测-01", "示范村卡测1号"))).Value!.HouseholdId;
        var member = (await Cli(new AddResident(_community, household, FullName, Phone))).Value!.ResidentId;
        _account = (await Cli(new OpenAccount(_community, "household", household))).Value!.AccountId;
        Assert.That((await Cli(new AwardPoints(_community, _account, null, null, null, member, "card-award-1",
            RuleCode: await TestRules.AwardAsync(_app.Services, _community, 30), EvidenceNote: Reason))).Failure, Is.Null);
        var hold = await _app.Services.GetRequiredService<PointsLedger>().PlaceHoldAsync(_community, _account, 5, "card-voucher", "test:shop", "card-hold-1", null, default);
        Assert.That(hold.Succeeded, Is.True);
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        _committee.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("cards-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<(long CardId, string Url)> IssueAsync()
    {
        using var response = await _committee.PostAsync(Api($"/accounts/{_account}/card"), null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var body = await Json(response);
        return (body.GetProperty("cardId").GetInt64(), body.GetProperty("url").GetString()!);
    }

    private static string PathOf(string url) => new Uri(url).AbsolutePath;

    /// <summary>The page's text as a reader sees it: Razor encodes every Chinese character as an entity.</summary>
    private static string Decoded(string html) => WebUtility.HtmlDecode(html);

    [Test]
    public async Task Issue_Answers201WithTheUrl_AndTheQrPngDecodesToExactlyIt()
    {
        var (cardId, url) = await IssueAsync();

        Assert.That(url, Does.Match(@"^http://localhost/c/[A-Za-z0-9_-]{27}$"), "the request's base when PointsBank:PublicBaseUrl is unset");
        using var png = await _committee.GetAsync(Api($"/cards/{cardId}/qr.png"));
        Assert.That(png.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/png"));
        Assert.That(png.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(await Zbar.DecodeAsync(await png.Content.ReadAsByteArrayAsync()), Is.EqualTo(new[] { url }));
        var status = await Json(await _committee.GetAsync(Api($"/accounts/{_account}/card")));
        Assert.That(status.GetProperty("cardId").GetInt64(), Is.EqualTo(cardId));
        Assert.That(status.ToString(), Does.Not.Contain("token").IgnoreCase.And.Not.Contain("hash").IgnoreCase);
    }

    [Test]
    public async Task NewCard_MakesTheOldTokenACardNotValidPage()
    {
        var (oldId, oldUrl) = await IssueAsync();
        var (newId, newUrl) = await IssueAsync();
        using var anonymous = _app.CreateClient();

        using var old = await anonymous.GetAsync(PathOf(oldUrl));
        using var current = await anonymous.GetAsync(PathOf(newUrl));

        Assert.That(old.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Decoded(await old.Content.ReadAsStringAsync()), Does.Contain("卡无效"));
        Assert.That(current.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Decoded(await current.Content.ReadAsStringAsync()), Does.Contain("可用积分"));
        using var oldQr = await _committee.GetAsync(Api($"/cards/{oldId}/qr.png"));
        Assert.That(oldQr.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a replaced card is never printed again");
        Assert.That(newId, Is.Not.EqualTo(oldId));
    }

    [Test]
    public async Task CardPage_ShowsFiguresExplanationsAndTheMaskedName_NeverTheFullNameOrPhone()
    {
        var (_, url) = await IssueAsync();
        var balance = await Json(await _committee.GetAsync(Api($"/accounts/{_account}/balance")));
        using var anonymous = _app.CreateClient();

        using var response = await anonymous.GetAsync(PathOf(url));
        var html = await response.Content.ReadAsStringAsync();
        var text = Decoded(html);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
        Assert.That((balance.GetProperty("balance").GetInt64(), balance.GetProperty("held").GetInt64(), balance.GetProperty("available").GetInt64()),
            Is.EqualTo((30L, 5L, 25L)));
        Assert.That(text, Does.Contain("data-testid=\"balance\">30<").And.Contain("data-testid=\"held\">5<").And.Contain("data-testid=\"available\">25<"));
        Assert.That(text, Does.Contain("data-testid=\"month-points\">30<"));
        Assert.That(text, Does.Contain(Reason).And.Contain("示范村").And.Contain("欧*华").And.Contain("卡测-01"));
        foreach (var secret in new[] { FullName, "欧阳", "明华", Phone })
        {
            Assert.That(text, Does.Not.Contain(secret));
            Assert.That(html, Does.Not.Contain(secret));
        }
        Assert.That(html, Does.Not.Contain("<script"), "the page needs no script");
    }

    [Test]
    public async Task UnknownMalformedAndRevokedTokens_GetTheSamePlainPage_404()
    {
        var (cardId, url) = await IssueAsync();
        using var revoke = await _committee.PostAsJsonAsync(Api($"/cards/{cardId}/revoke"), new { reason = "卡丢了" });
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var anonymous = _app.CreateClient();

        var bodies = new List<string>();
        foreach (var path in new[] { PathOf(url), "/c/" + PointsBank.Features.Cards.CardSecrets.NewToken(), "/c/abc", "/c/" + new string('x', 300), "/c/%E5%8D%A1" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, path);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.That(bodies.Distinct().Count(), Is.EqualTo(1), "one page for every invalid token");
        Assert.That(Decoded(bodies[0]), Does.Contain("卡无效").And.Not.Contain("可用积分"));
    }

    [Test]
    public async Task CardPage_InEnglish_WithTheLanguageCookie()
    {
        var (_, url) = await IssueAsync();
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, PathOf(url));
        request.Headers.Add("Cookie", "lang=en");

        using var response = await client.SendAsync(request);

        Assert.That(Decoded(await response.Content.ReadAsStringAsync()), Does.Contain("Available").And.Contain("Good deed").And.Contain(Reason));
    }

    [TestCase("12")]
    [TestCase("1234567")]
    [TestCase("12ab")]
    public async Task SetPin_RefusesABadPin_WithProblemDetails_AndChangesNothing(string pin)
    {
        var (cardId, _) = await IssueAsync();

        using var response = await _committee.PutAsJsonAsync(Api($"/cards/{cardId}/pin"), new { pin });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Json(response)).GetProperty("code").GetString(), Is.EqualTo("validation_failed"));
        Assert.That((await Json(await _committee.GetAsync(Api($"/accounts/{_account}/card")))).GetProperty("hasPin").GetBoolean(), Is.False);
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'SetCardPin' AND outcome = 'invalid'"),
            Is.GreaterThan(0), "the refused request is on the record");
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'SetCardPin' AND target LIKE @p", new { p = $"%{pin}%" }),
            Is.Zero, "without its PIN");
    }

    [Test]
    public async Task SetPin_ThenStatusSaysSo()
    {
        var (cardId, _) = await IssueAsync();

        using var response = await _committee.PutAsJsonAsync(Api($"/cards/{cardId}/pin"), new { pin = "864209" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var status = await Json(await _committee.GetAsync(Api($"/accounts/{_account}/card")));
        Assert.That((status.GetProperty("hasPin").GetBoolean(), status.GetProperty("locked").GetBoolean(), status.GetProperty("pinFailures").GetInt32()),
            Is.EqualTo((true, false, 0)));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE target LIKE '%864209%'"), Is.Zero);
    }
}

[TestFixture]
public sealed class SqliteCardsApiTests() : CardsApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCardsApiTests() : CardsApiTests(DatabaseProvider.SqlServer);
