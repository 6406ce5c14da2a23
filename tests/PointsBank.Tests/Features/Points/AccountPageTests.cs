using System.Net;
using System.Text.Json;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Points;

/// <summary>
/// Whose account the account page is: its title and heading carry the household's door-plate code and its head's
/// name — in full for the committee, masked (张*国) for the roles that may not see personal data, as everywhere.
/// </summary>
public abstract class AccountPageTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _account;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
        _account = await _app.ScalarAsync<long>("""
            SELECT a.id FROM accounts a JOIN households h ON h.id = a.household_id
             WHERE a.community_id = @community AND a.kind = 'household' AND h.code = '一组-01'
            """, new { community = _community });
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    [TestCase("committee", "一组-01 户 · 户主 张建国")]
    [TestCase("reviewer", "一组-01 户 · 户主 张*国")]
    public async Task TheTitleAndHeading_NameTheHouseholdAndItsHead_MaskedAsTheRoleMustSee(string username, string heading)
    {
        using var page = await _app.PageClientAsync(username);

        var response = await page.GetAsync($"/points/{_community}/accounts/{_account}");
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain($"<title>{heading}"));
        Assert.That(html, Does.Contain($"data-testid=\"account-name\">{heading}</h1>"));
        if (heading.Contains('*'))
        {
            Assert.That(html, Does.Not.Contain("张建国"));
        }
    }

    [TestCase("committee", "张建国", false)]
    [TestCase("reviewer", "张*国", true)]
    public async Task TheBalance_SaysWhoseItIs_WithTheSameMasking(string username, string holder, bool masked)
    {
        using var client = await _app.ClientAsAsync(username);

        var body = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/communities/{_community}/accounts/{_account}/balance")).RootElement;

        Assert.That(body.GetProperty("householdCode").GetString(), Is.EqualTo("一组-01"));
        Assert.That(body.GetProperty("holderName").GetString(), Is.EqualTo(holder));
        Assert.That(body.GetProperty("holderNameMasked").GetBoolean(), Is.EqualTo(masked));
    }
}

[TestFixture]
public sealed class SqliteAccountPageTests() : AccountPageTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAccountPageTests() : AccountPageTests(DatabaseProvider.SqlServer);
