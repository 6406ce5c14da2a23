using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using System.Data.Common;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The report pages on a phone: the committee reaches 兑换报表 from the home card and reads the month's funding report
/// (the demo's donors and its counter redemptions are on it; the clock stands still, so the month cannot turn
/// mid-test); the shopkeeper reaches 对账单 from theirs; neither page scrolls sideways.
/// </summary>
public abstract class ReportPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    // The clock stands still at the suite's start: the demo's donations are seeded "now" and the report opens on the
    // current month, so a run that crossed midnight at a month's end in Asia/Shanghai would look at an empty month.
    private readonly Support.FakeClock _clock = new(DateTimeOffset.UtcNow);

    protected override TimeProvider? Clock => _clock;

    private async Task<int> ScrollWidthAsync() => await Page.EvaluateAsync<int>("document.documentElement.scrollWidth");

    [Test]
    public async Task TheCommittee_ReadsTheFundingReport_FromTheHomeCard_OnAPhone()
    {
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + Suffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "兑换报表" }));

        await Assertions.Expect(Page.Locator("[data-testid=funding] h2")).ToContainTextAsync("积分资金报告");
        await Assertions.Expect(Page.Locator("[data-testid=donors]")).ToContainTextAsync("县供销社");
        await Assertions.Expect(Page.Locator("[data-testid=goods-redeemed]")).ToContainTextAsync("肥皂");
        Assert.That(await ScrollWidthAsync(), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("reports-funding-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task TheShopkeeper_OpensTheirStatement_FromTheHomeCard()
    {
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=shopkeeper] a", new() { HasText = "对账单" }));

        long shop;
        await using (var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync())
        {
            shop = await connection.ExecuteScalarAsync<long>(
                "SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.community_id = @community AND u.username = 'shopkeeper'",
                new { community = await DemoCommunityAsync() });
        }
        Assert.That(CurrentPath, Does.EndWith($"/shops/{shop}"));
        await Assertions.Expect(Page.Locator("[data-testid=statement] h2")).ToContainTextAsync("月度对账单");
        await Assertions.Expect(Page.Locator("[data-testid=statement-csv]")).ToBeVisibleAsync();
        Assert.That(await ScrollWidthAsync(), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("reports-shop-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteReportPagesTests() : ReportPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerReportPagesTests() : ReportPagesTests(DatabaseProvider.SqlServer);
