using System.Data.Common;
using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Inspections;
using PointsBank.Identity;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 卫生检查 in a real browser: the demo grid worker opens the batch page from their home card, taps a grade for five
/// households of 一组 and submits once; the committee then sees the postings, explained by the rule, in a household's
/// history.
/// </summary>
public abstract class InspectionPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task SignInAsync(string username)
    {
        await Page.Context.ClearCookiesAsync();
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
    }

    private async Task<T> AsOperatorAsync<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    [Test]
    public async Task AGridWorker_GradesFiveHouseholdsInOneBatch_AndTheCommitteeSeesThePostings()
    {
        // The demo puts three households in 一组: add two more, with their accounts, through the app's requests.
        await using var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        var community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        var grid = await connection.ExecuteScalarAsync<long>("SELECT id FROM grids WHERE community_id = @community AND name = @name", new { community, name = "一组" });
        foreach (var code in new[] { "一组-21", "一组-22" })
        {
            var household = (await AsOperatorAsync(new AddHousehold(community, grid, code, $"示范村{code}号"))).Value!.HouseholdId;
            Assert.That((await AsOperatorAsync(new OpenAccount(community, "household", household))).Succeeded, Is.True);
        }

        await SignInAsync("inspector");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=inspector] a", new() { HasText = "卫生检查" }));
        Assert.That(CurrentPath, Is.EqualTo($"/inspections/{community}"));
        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "垃圾分类月度检查" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick] button[type=submit]"));

        var rows = Page.Locator("fieldset.grade-row");
        var active = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM households WHERE grid_id = @grid AND is_active = 1", new { grid });
        Assert.That(await rows.CountAsync(), Is.EqualTo(active), "the active households of 一组 (five, or more after the other test)");
        Assert.That(await Page.Locator("fieldset.grade-row legend").AllInnerTextsAsync(), Has.All.StartWith("一组"));
        string[] grades = ["优", "良", "中", "差", "优"];
        for (var i = 0; i < grades.Length; i++)
        {
            await rows.Nth(i).Locator("label.grade-choice", new() { HasText = grades[i] }).ClickAsync();
        }
        await rows.Nth(1).Locator("input.grade-note").FillAsync("厨余垃圾未分开");
        await ScreenshotAsync("inspections-grade-before-submit");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已记分 5 户"));
        var posted = await Page.Locator("[data-testid=posted-entry]").AllInnerTextsAsync();
        Assert.That(posted, Has.Count.EqualTo(5));
        Assert.That(posted[0], Does.Contain("+10").And.Contain("优"));
        Assert.That(posted[1], Does.Contain("+6").And.Contain("厨余垃圾未分开"));
        await ScreenshotAsync("inspections-grade-posted");
        Assert.That(ConsoleErrors, Is.Empty, "nothing broken or blocked by the content security policy");

        // The committee opens the first household's account and finds the grading in its history.
        var firstCode = (await Page.Locator("[data-testid=posted-entry] .entry-category").First.InnerTextAsync()).Trim();
        var account = await connection.ExecuteScalarAsync<long>(
            "SELECT a.id FROM accounts a JOIN households h ON h.id = a.household_id WHERE h.community_id = @community AND h.code = @firstCode",
            new { community, firstCode });
        await SignInAsync("committee");
        Assert.That(await Page.Locator("article.card[data-role=committee] a", new() { HasText = "卫生检查" }).GetAttributeAsync("href"),
            Is.EqualTo($"/inspections/{community}"));
        await Page.GotoAsync($"/points/{community}/accounts/{account}");
        var newest = Page.Locator("[data-testid=history] li.entry").First;
        Assert.That(await newest.InnerTextAsync(), Does.Contain("+10").And.Contain("垃圾分类月度检查").And.Contain("优"));
        await ScreenshotAsync("inspections-committee-history");
    }

    [Test]
    public async Task AGridWorkerOnAPhone_GradesThreeHouseholds_AndNextDayTheyAreMarked_WithTheRestStillToGrade()
    {
        await using var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        var community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        var grid = await connection.ExecuteScalarAsync<long>("SELECT id FROM grids WHERE community_id = @community AND name = @name", new { community, name = "一组" });
        foreach (var code in new[] { "一组-31", "一组-32", "一组-33" })
        {
            var household = (await AsOperatorAsync(new AddHousehold(community, grid, code, $"示范村{code}号"))).Value!.HouseholdId;
            Assert.That((await AsOperatorAsync(new OpenAccount(community, "household", household))).Succeeded, Is.True);
        }
        // Last month: a month of its own, whatever the other test graded this month.
        var period = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var path = $"/inspections/{community}?grid={grid}&rule=waste_sorting&period={period}";

        await Page.SetViewportSizeAsync(390, 844);
        await SignInAsync("inspector");
        await Page.GotoAsync(path);
        var rows = Page.Locator("fieldset.grade-row");
        var total = await rows.CountAsync();
        Assert.That(await Page.Locator("[data-testid=graded-count]").InnerTextAsync(), Is.EqualTo($"已评定 0 户，还有 {total} 户未评定"));
        Assert.That(total, Is.GreaterThanOrEqualTo(6));
        string[] grades = ["优", "良", "差"];
        for (var i = 0; i < grades.Length; i++)
        {
            await rows.Nth(i).Locator("label.grade-choice", new() { HasText = grades[i] }).ClickAsync();
        }
        var first = await Page.Locator("fieldset.grade-row legend").First.InnerTextAsync();
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已记分 3 户"));

        // The next day of the round: the same address marks the three, with grade and points, and offers the rest.
        await Page.GotoAsync(path);
        Assert.That(await Page.Locator("[data-testid=graded-count]").InnerTextAsync(), Is.EqualTo($"已评定 3 户，还有 {total - 3} 户未评定"));
        var graded = Page.Locator("[data-testid=graded]");
        Assert.That(await graded.CountAsync(), Is.EqualTo(3));
        Assert.That(await graded.First.InnerTextAsync(), Does.Contain(first).And.Contain("已评定 优").And.Contain("+10"));
        Assert.That(await Page.Locator("fieldset.grade-row").CountAsync(), Is.EqualTo(total - 3), "graded households have no grade buttons");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390), "no sideways scrolling on a phone");
        await ScreenshotAsync("inspections-graded-next-day-390");

        // Another worker grades the next household meanwhile; this page's form, still open, is refused naming it, and
        // then marks it while this worker's other pick stays.
        var next = await Page.Locator("fieldset.grade-row").First.GetAttributeAsync("data-code");
        var nextId = long.Parse((await Page.Locator("fieldset.grade-row").First.GetAttributeAsync("data-household"))!, System.Globalization.CultureInfo.InvariantCulture);
        var meanwhile = await AsOperatorAsync(new RecordInspections(community, grid, "waste_sorting", period, [new InspectionGrade(nextId, "中")],
            Guid.NewGuid().ToString()));
        Assert.That(meanwhile.Succeeded, Is.True, meanwhile.Failure?.ToString());
        await Page.Locator("fieldset.grade-row").Nth(0).Locator("label.grade-choice", new() { HasText = "优" }).ClickAsync();
        await Page.Locator("fieldset.grade-row").Nth(1).Locator("label.grade-choice", new() { HasText = "良" }).ClickAsync();
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.StartWith($"{next} 本月已按这条细则评定过"));
        Assert.That(await Page.Locator("[data-testid=graded].refused").InnerTextAsync(), Does.Contain(next!).And.Contain("已评定 中"));
        Assert.That(await Page.Locator("fieldset.grade-row input[type=radio]:checked").CountAsync(), Is.EqualTo(1), "the other pick stays");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("inspections-refused-names-household-390");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteInspectionPagesTests() : InspectionPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerInspectionPagesTests() : InspectionPagesTests(DatabaseProvider.SqlServer);
