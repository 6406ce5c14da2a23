using Microsoft.Playwright;
using PointsBank.Features.Communities;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 花名册 on a phone: the committee reaches it from the home card, uploads a workbook with problems, reads them as a
/// table (sheet, row, column, problem) with nothing written, then uploads the corrected file and imports it.
/// </summary>
public abstract class RosterPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    [Test]
    public async Task TheCommittee_ChecksAWorkbook_SeesItsProblems_ThenImportsTheCorrectedOne_OnAPhone()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"roster-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var bad = Path.Combine(folder, "花名册-有错.xlsx");
        var good = Path.Combine(folder, "花名册.xlsx");
        await File.WriteAllBytesAsync(bad, RosterWorkbook.Write(["浏览器组"],
            [new RosterHouseholdLine(0, "浏览器-01", "浏览器组", "幸福路 9 号", "", "138-0013", []), new RosterHouseholdLine(0, "浏览器-02", "没有这个组", "", "周五", "", [])]));
        await File.WriteAllBytesAsync(good, RosterWorkbook.Write(["浏览器组"],
            [new RosterHouseholdLine(0, "浏览器-01", "浏览器组", "幸福路 9 号", "吴四", "138-0013", ["郑六"]), new RosterHouseholdLine(0, "浏览器-02", "浏览器组", "", "周五", "", [])]));

        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + Suffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "名册" }));

        await Page.Locator("#workbook").SetInputFilesAsync(bad);
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=check]"));
        await Assertions.Expect(Page.Locator("[data-testid=problems]")).ToContainTextAsync("什么也没有写入");
        await Assertions.Expect(Page.Locator("[data-testid=errors] tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(Page.Locator("[data-testid=errors]")).ToContainTextAsync("户主姓名不能为空");
        await Assertions.Expect(Page.Locator("[data-testid=errors]")).ToContainTextAsync("没有这个组");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("roster-problems-phone");

        await Page.Locator("#workbook").SetInputFilesAsync(good);
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=import]"));
        await Assertions.Expect(Page.Locator("[data-testid=result]")).ToContainTextAsync("导入完成");
        await Assertions.Expect(Page.Locator("[data-testid=result]")).ToContainTextAsync("新增 2 户");
        await ScreenshotAsync("roster-imported-phone");
        Assert.That(ConsoleErrors, Is.Empty);
        Directory.Delete(folder, recursive: true);
    }
}

[TestFixture]
public sealed class SqliteRosterPagesTests() : RosterPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRosterPagesTests() : RosterPagesTests(DatabaseProvider.SqlServer);
