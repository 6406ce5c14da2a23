using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Points;

/// <summary>
/// 赠送积分 through its page: the committee finds the receiver by door-plate code, gives points on a resident's written
/// request, and the points move; a gift beyond what the giver has is refused in Chinese and moves nothing; with the
/// policy closed the page says so.
/// </summary>
public abstract class TransferPageTests(DatabaseProvider provider) : EngineFixture(provider)
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


    private static string FormKey(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "name=\"key\" value=\"([^\"]+)\"").Groups[1].Value;


    private async Task SetTransfersAsync(HttpClient committee, bool allowed)
    {
        var policy = JsonNode.Parse(await committee.GetStringAsync(Api("/policy")))!.AsObject();
        policy["transfersAllowed"] = allowed;
        policy["transferScope"] = "community";
        var put = await committee.PutAsJsonAsync(Api("/policy"), policy);
        Assert.That(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private async Task<(long Account, string Code)> HouseholdWithPointsAsync(HttpClient committee, long points)
    {
        var code = $"赠送-{Guid.NewGuid():N}"[..12];
        var household = (await committee.PostAsJsonAsync(Api("/households"), new { code })).Content.ReadFromJsonAsync<JsonElement>();
        var account = (await (await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = (await household).GetProperty("householdId").GetInt64() }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accountId").GetInt64();
        if (points > 0)
        {
            using var award = new HttpRequestMessage(HttpMethod.Post, Api("/awards"))
            {
                Content = JsonContent.Create(new { accountId = account, ruleCode = "security_patrol" }),
            };
            award.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            Assert.That((await committee.SendAsync(award)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        return (account, code);
    }

    private async Task<long> AvailableAsync(HttpClient committee, long account) =>
        (await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{account}/balance"))).GetProperty("available").GetInt64();

    [Test]
    public async Task TheCommittee_FindsTheReceiverByDoorPlate_AndGives_AndTooMuchIsRefusedInChinese()
    {
        using var committee = await _app.ClientAsAsync("committee");
        await SetTransfersAsync(committee, true);
        var (giver, _) = await HouseholdWithPointsAsync(committee, 10);
        var (receiver, receiverCode) = await HouseholdWithPointsAsync(committee, 0);
        var given = await AvailableAsync(committee, giver);
        using var page = await _app.PageClientAsync("committee");

        var account = WebUtility.HtmlDecode(await page.GetStringAsync($"/points/{_community}/accounts/{giver}"));
        Assert.That(account, Does.Contain($"/points/{_community}/accounts/{giver}/transfer"));
        var found = WebUtility.HtmlDecode(await page.GetStringAsync($"/points/{_community}/accounts/{giver}/transfer?q={Uri.EscapeDataString(receiverCode)}"));
        Assert.That(found, Does.Contain("赠送积分").And.Contain(receiverCode).And.Contain($"?to={receiver}"));
        var form = WebUtility.HtmlDecode(await page.GetStringAsync($"/points/{_community}/accounts/{giver}/transfer?to={receiver}"));

        async Task<HttpResponseMessage> GiveAsync(long points, string key) =>
            await page.PostAsync($"/points/{_community}/accounts/{giver}/transfer?to={receiver}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["points"] = points.ToString(System.Globalization.CultureInfo.InvariantCulture), ["note"] = "户主本人书面申请，已签字",
                ["key"] = key, ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
            }));

        var tooMuch = await GiveAsync(given + 1, FormKey(form) + "x");
        var tooMuchHtml = WebUtility.HtmlDecode(await tooMuch.Content.ReadAsStringAsync());
        Assert.That(tooMuch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(tooMuchHtml, Does.Contain("可用积分不足"));
        Assert.That((await AvailableAsync(committee, giver), await AvailableAsync(committee, receiver)), Is.EqualTo((given, 0L)), "a refused gift moves nothing");

        var gave = await GiveAsync(4, FormKey(form));
        var again = await GiveAsync(4, FormKey(form));
        Assert.That((gave.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.Redirect, HttpStatusCode.Redirect)));
        Assert.That((await AvailableAsync(committee, giver), await AvailableAsync(committee, receiver)), Is.EqualTo((given - 4, 4L)),
            "the same form sent twice gives once");
        var history = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{receiver}/history"));
        Assert.That(history.ToString(), Does.Contain("户主本人书面申请"));
    }

    [Test]
    public async Task WithThePolicyClosed_ThePageSaysSo_AndAGiftIsRefused()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var (giver, _) = await HouseholdWithPointsAsync(committee, 10);
        var (receiver, _) = await HouseholdWithPointsAsync(committee, 0);
        await SetTransfersAsync(committee, false);
        try
        {
            using var page = await _app.PageClientAsync("committee");
            var account = WebUtility.HtmlDecode(await page.GetStringAsync($"/points/{_community}/accounts/{giver}"));
            Assert.That(account, Does.Not.Contain($"/points/{_community}/accounts/{giver}/transfer"), "no link to a gift the policy does not allow");
            var form = WebUtility.HtmlDecode(await page.GetStringAsync($"/points/{_community}/accounts/{giver}/transfer?to={receiver}"));
            Assert.That(form, Does.Contain("未开放赠送"));
            var refused = await page.PostAsync($"/points/{_community}/accounts/{giver}/transfer?to={receiver}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["points"] = "1", ["note"] = "试一下", ["key"] = FormKey(form), ["__RequestVerificationToken"] = AppFactory.Antiforgery(form),
            }));
            Assert.That(WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), Does.Contain("本社区未开放积分赠送"));
            Assert.That(await AvailableAsync(committee, receiver), Is.EqualTo(0));
        }
        finally
        {
            await SetTransfersAsync(committee, true);
        }
    }
}

[TestFixture]
public sealed class SqliteTransferPageTests() : TransferPageTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTransferPageTests() : TransferPageTests(DatabaseProvider.SqlServer);
