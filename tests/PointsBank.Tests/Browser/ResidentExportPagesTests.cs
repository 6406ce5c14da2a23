using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 个人信息导出 on a phone: the committee enters a demo resident's number on 花名册, opens the printable export (name,
/// door-plate, the account's entries, the JSON link and the print button) without sideways scrolling.
/// </summary>
public abstract class ResidentExportPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    [Test]
    public async Task TheCommittee_OpensAResidentsExport_FromTheRoster_OnAPhone()
    {
        long resident;
        string name;
        await using (var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync())
        {
            (resident, name) = await Dapper.SqlMapper.QueryFirstAsync<(long, string)>(connection, """
                SELECT r.id, r.full_name FROM residents r JOIN accounts a ON a.household_id = r.household_id
                 JOIN communities c ON c.id = r.community_id
                 WHERE c.code = 'demo' AND EXISTS (SELECT 1 FROM ledger_postings p WHERE p.account_id = a.id)
                 ORDER BY r.id
                """);
        }
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + Support.AppFactory.DemoPasswordSuffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "名册" }));

        await Page.Locator("#exportResidentId").FillAsync(resident.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=export]"));
        await Assertions.Expect(Page.Locator("[data-testid=resident-export] h1")).ToContainTextAsync(name);
        await Assertions.Expect(Page.Locator("[data-testid=json]")).ToHaveTextAsync("下载 JSON");
        Assert.That(await Page.Locator("[data-testid=entry]").CountAsync(), Is.GreaterThan(0), "the account's entries");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("resident-export-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteResidentExportPagesTests() : ResidentExportPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerResidentExportPagesTests() : ResidentExportPagesTests(DatabaseProvider.SqlServer);
