using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The print pages (one card, a grid's A4 sheet of cards, the ranking poster) offer a 打印 button, because mobile
/// browsers hide their own print command: it opens the browser's print (window.print, counted here by a stand-in) and
/// does not itself appear on the paper.
/// </summary>
public abstract class PrintButtonTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("print-browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private async Task<long> HouseholdAccountAsync(long community, long? grid)
    {
        var household = (await Cli(new AddHousehold(community, grid, $"打印-{Guid.NewGuid():N}"[..8]))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(community, household, "打印居民"))).Failure, Is.Null);
        return (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId;
    }

    /// <summary>The button is shown, a click calls the browser's print once, and print media hides it.</summary>
    private async Task PrintsAsync(string path)
    {
        await Page.GotoAsync(path);
        var button = Page.Locator("[data-testid=print-button]");
        await Assertions.Expect(button).ToBeVisibleAsync();
        Assert.That(await button.InnerTextAsync(), Is.EqualTo("打印"));
        await button.ClickAsync();
        Assert.That(await Page.EvaluateAsync<int>("window.printed"), Is.EqualTo(1), $"{path}: the button opens the browser's print");
        await Page.EmulateMediaAsync(new() { Media = Media.Print });
        Assert.That(await button.IsVisibleAsync(), Is.False, $"{path}: the button is not printed");
        await Page.EmulateMediaAsync(new() { Media = Media.Screen });
    }

    [Test]
    public async Task TheCard_TheSheet_AndThePoster_HaveAPrintButton_ThatPrints_AndIsNotPrinted()
    {
        await Page.AddInitScriptAsync("window.printed = 0; window.print = function () { window.printed++; };");
        var community = await DemoCommunityAsync();
        var grid = (await Cli(new AddGrid(community, $"打印组{Guid.NewGuid():N}"[..8]))).Value!.GridId;
        var account = await HouseholdAccountAsync(community, grid);
        var issued = await Cli(new IssueCard(community, account));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);

        // A month is published once it is over: an award on the last day of last month, then the poster of that month.
        var ledger = App.Services.GetRequiredService<PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community, SystemAccount.Issuance))!.Value;
        var today = Projections.LocalDate(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
        var posted = await ledger.PostAsync(new LedgerEntry(community, TransactionKind.Award, Categories.GoodDeed, $"print-{Guid.NewGuid():N}",
            "打印测试", "cli:test", [new PostingLine(issuance, -5), new PostingLine(account, 5)],
            EffectiveDate: new DateOnly(today.Year, today.Month, 1).AddDays(-1)));
        Assert.That(posted.Error, Is.Null, posted.Detail);
        var month = Projections.Month(posted.Transaction!.EffectiveDate!.Value);
        Assert.That((await Cli(new PublishRanking(community, month))).Failure, Is.Null);

        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + Suffix);
        await WaitForPathAsync("/");
        await PrintsAsync($"/cards/{community}/print/{issued.Value!.CardId}");
        await ScreenshotAsync("print-card-button-phone");
        await PrintsAsync($"/cards/{community}/sheet?gridId={grid}");
        await PrintsAsync($"/p/{community}/rankings/{month}/poster");
        await ScreenshotAsync("print-poster-button-phone");
        Assert.That(ConsoleErrors, Is.Empty, "print.js loads under the content security policy");
    }
}

[TestFixture]
public sealed class SqlitePrintButtonTests() : PrintButtonTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPrintButtonTests() : PrintButtonTests(DatabaseProvider.SqlServer);
