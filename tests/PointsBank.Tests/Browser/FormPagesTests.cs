using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Browser;

/// <summary>
/// A committee member double-clicks 发卡 in a real browser and one card is issued: with the page's script the second
/// click sends nothing (the button is disabled and says 正在提交… until the answer comes), and without any
/// script both clicks reach the server and the form's one-time key still makes one card.
/// </summary>
public abstract class FormPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = AppFactory.DemoPasswordSuffix;

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("forms-browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private async Task<T> ScalarAsync<T>(string sql, object args)
    {
        await using var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args) ?? throw new InvalidOperationException(sql);
    }

    private async Task<(long Community, long Account)> HouseholdAccountAsync(string code)
    {
        var community = await DemoCommunityAsync();
        var household = (await Cli(new AddHousehold(community, null, code))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(community, household, "刘双击", "13700002222"))).Failure, Is.Null);
        return (community, (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId);
    }

    private Task<long> CardsAsync(long community, long account) =>
        ScalarAsync<long>("SELECT COUNT(*) FROM cards WHERE community_id = @community AND account_id = @account", new { community, account });

    private static async Task SignInAsync(IPage page, string username)
    {
        await page.GotoAsync("/login");
        await page.Locator("#username").FillAsync(username);
        await page.Locator("#password").FillAsync(username + Suffix);
        await page.Locator("form.form button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
    }

    [Test]
    public async Task DoubleClickingIssue_SendsOnce_ShowsSending_AndIssuesOneCard()
    {
        var (community, account) = await HouseholdAccountAsync("双击-01");
        await SignInAsync(Page, "committee");
        await Page.GotoAsync($"/cards/{community}/{account}");

        var posts = 0;
        Page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("handler=Issue", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref posts);
            }
        };
        await Page.Locator("[data-testid=issue]").DblClickAsync();

        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToContainTextAsync("已发卡");
        await ScreenshotAsync("forms-issue-done");
        Assert.That(posts, Is.EqualTo(1), "the script lets the form go once");
        Assert.That(await CardsAsync(community, account), Is.EqualTo(1));
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task OnceSent_TheButtonIsDisabled_AndSays正在提交()
    {
        var (community, account) = await HouseholdAccountAsync("双击-03");
        await SignInAsync(Page, "committee");
        await Page.GotoAsync($"/cards/{community}/{account}");
        // The answer never comes: the form is stopped after the page's own script has seen it (a listener added after
        // forms.js runs after it), so the page stays and shows what the script did to the button.
        await Page.EvaluateAsync("() => document.addEventListener('submit', e => e.preventDefault())");
        var issue = Page.Locator("[data-testid=issue]");
        await issue.DblClickAsync();
        await Assertions.Expect(issue).ToBeDisabledAsync();
        await Assertions.Expect(issue).ToHaveTextAsync("正在提交…");
        await ScreenshotAsync("forms-issue-sending");
        Assert.That(await CardsAsync(community, account), Is.Zero);
    }

    [Test]
    public async Task DoubleClickingIssue_WithoutScript_StillIssuesOneCard()
    {
        var (community, account) = await HouseholdAccountAsync("双击-02");
        await using var context = await Page.Context.Browser!.NewContextAsync(new() { BaseURL = BaseUrl.ToString(), JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await SignInAsync(page, "committee");
        await page.GotoAsync($"/cards/{community}/{account}");

        var posts = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("handler=Issue", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref posts);
            }
        };
        await page.Locator("[data-testid=issue]").DblClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=done]")).ToContainTextAsync("已发卡");
        Assert.That(posts, Is.GreaterThanOrEqualTo(1));
        Assert.That(await CardsAsync(community, account), Is.EqualTo(1), $"{posts} posts of one form, one card");
        Assert.That(await ScalarAsync<long>("SELECT COUNT(*) FROM cards WHERE community_id = @community AND account_id = @account AND status = 'active'",
            new { community, account }), Is.EqualTo(1));
    }
}

[TestFixture]
public sealed class SqliteFormPagesTests() : FormPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerFormPagesTests() : FormPagesTests(DatabaseProvider.SqlServer);
