using System.Data.Common;
using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
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
        Assert.That(await rows.CountAsync(), Is.EqualTo(5), "the five active households of 一组");
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
}

[TestFixture]
public sealed class SqliteInspectionPagesTests() : InspectionPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerInspectionPagesTests() : InspectionPagesTests(DatabaseProvider.SqlServer);
