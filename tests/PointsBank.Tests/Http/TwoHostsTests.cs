using System.Net;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Http;

/// <summary>
/// Two app hosts on one SQLite file — the nearest this machine comes to two app servers behind one load balancer on one
/// SQL Server: the data-protection keys are in the database, so a sign-in cookie made by one host is accepted by the
/// other, and a card token the first host sealed (the demo seed's cards) is unsealed by the second for its QR code.
/// (The same for both engines without a web host: <c>Jobs/TwoInstancesTests</c>.)
/// </summary>
[TestFixture]
public abstract class TwoHostsTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _first = null!;
    private AppFactory _second = null!;

    [OneTimeSetUp]
    public async Task StartBoth()
    {
        _first = new AppFactory(Provider);
        // The first host migrates and seeds before the second one starts on the same file.
        await _first.DemoCommunityAsync();
        _second = new AppFactory(_first);
    }

    [OneTimeTearDown]
    public async Task StopBoth()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    private static async Task<string> SignInCookieAsync(AppFactory host, string username)
    {
        var client = host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.GetStringAsync("/login");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = username, ["Password"] = username + AppFactory.DemoPasswordSuffix, ["__RequestVerificationToken"] = AppFactory.Antiforgery(login),
        });
        using var signedIn = await client.PostAsync("/login", form);
        Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pointsbank.auth=", StringComparison.Ordinal));
        return cookie[..cookie.IndexOf(';', StringComparison.Ordinal)];
    }

    private static async Task<HttpResponseMessage> HomeAsync(AppFactory host, string? cookie)
    {
        var client = host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        return await client.SendAsync(request);
    }

    [Test]
    public async Task ASignInMadeOnOneHost_WorksOnTheOther_BothWays()
    {
        var fromFirst = await SignInCookieAsync(_first, "committee");
        var fromSecond = await SignInCookieAsync(_second, "inspector");

        using var onSecond = await HomeAsync(_second, fromFirst);
        using var onFirst = await HomeAsync(_first, fromSecond);
        using var anonymous = await HomeAsync(_second, null);
        using var forged = await HomeAsync(_second, fromFirst[..^8] + "AAAAAAAA");

        Assert.That(onSecond.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the second host reads the first host's cookie");
        Assert.That(await onSecond.Content.ReadAsStringAsync(), Does.Contain("/rankings/"), "the committee's home: its rankings link");
        Assert.That(onFirst.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await onFirst.Content.ReadAsStringAsync(), Does.Contain("/inspections/").And.Not.Contain("/rankings/"), "the inspector's home");
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "without the cookie: to the sign-in page");
        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "a cookie neither host made is refused");
    }

    [Test]
    public async Task ACardSealedByTheFirstHost_IsUnsealedByTheSecond_ForItsQrCode()
    {
        var community = await _first.DemoCommunityAsync();
        var cardId = await _first.ScalarAsync<long>("SELECT MIN(id) FROM cards WHERE community_id = @community AND status = 'active'", new { community });
        using var committee = await _second.ClientAsAsync("committee");

        using var png = await committee.GetAsync($"/api/v1/communities/{community}/cards/{cardId}/qr.png");
        Assert.That(png.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var url = (await Zbar.DecodeAsync(await png.Content.ReadAsByteArrayAsync())).Single();
        using var card = await _second.CreateClient().GetAsync(new Uri(url).PathAndQuery);

        Assert.That(url, Does.Contain("/c/"));
        Assert.That(card.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the unsealed token opens the resident's card page");
    }
}

[TestFixture]
public sealed class SqliteTwoHostsTests() : TwoHostsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTwoHostsTests() : TwoHostsTests(DatabaseProvider.SqlServer);
