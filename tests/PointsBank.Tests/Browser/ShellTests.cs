using System.Data.Common;
using Dapper;
using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>The web shell in a real browser: sign-in, the home page's role cards, the language switch, sign-out.</summary>
public abstract class ShellTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task SignInFromHomeAsync(string username)
    {
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
    }

    private ILocator Card(string role) => Page.Locator($"article.card[data-role={role}]");

    [Test]
    public async Task Committee_SignsIn_AndSeesTheCommitteeHomeInChinese()
    {
        await Page.GotoAsync("/");
        Assert.That(CurrentPath, Is.EqualTo("/login"), "an anonymous visit to / is sent to the sign-in page");

        await SubmitSignInAsync("committee", "committee" + Suffix);
        await WaitForPathAsync("/");

        Assert.That(await Page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo("zh-CN"));
        Assert.That(await Page.Locator("[data-testid=display-name]").InnerTextAsync(), Is.EqualTo("王书记（两委）"));
        Assert.That(await Page.Locator("h2").AllInnerTextsAsync(), Does.Contain("示范村"));
        var card = await Card("committee").InnerTextAsync();
        Assert.That(card, Does.Contain("两委").And.Contain("记分与更正").And.Contain("名册").And.Contain("审计日志"));
        Assert.That(card, Does.Contain("即将上线"), "pages that do not exist yet are marked, not linked");
        var links = Card("committee").Locator("a");
        Assert.That(await links.AllInnerTextsAsync(), Is.EqualTo(new[] { "记分与更正", "卫生检查", "积分细则", "积分政策", "审核申报", "积分卡", "积分超市", "柜台兑换", "兑换报表", "名册", "积分排行榜", "志愿服务" }), "only pages that exist are linked");
        Assert.That(await links.First.GetAttributeAsync("href"), Does.Match(@"^/points/\d+$"));
        Assert.That(await links.Nth(1).GetAttributeAsync("href"), Does.Match(@"^/inspections/\d+$"));
        Assert.That(await links.Last.GetAttributeAsync("href"), Does.Match(@"^/volunteers/\d+$"));
        Assert.That(ConsoleErrors, Is.Empty, "nothing broken or blocked by the content security policy");
        await ScreenshotAsync("committee-home");
    }

    [Test]
    public async Task WrongPassword_ShowsTheChineseError_AndStaysOnLogin()
    {
        await Page.GotoAsync("/login");

        await SubmitSignInAsync("reviewer", "not-the-password");

        var error = Page.Locator("[data-testid=login-error]");
        await error.WaitForAsync();
        Assert.That(await error.InnerTextAsync(), Is.EqualTo("用户名或密码错误"));
        Assert.That(CurrentPath, Is.EqualTo("/login"));
        Assert.That(await Page.Locator("#username").InputValueAsync(), Is.EqualTo("reviewer"), "the username is kept");
        Assert.That(await Page.Locator("#password").InputValueAsync(), Is.Empty, "the password is never sent back");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task FiveWrongPasswords_LockTheAccount_AndSaySo()
    {
        await Page.GotoAsync("/login");

        for (var attempt = 0; attempt < 5; attempt++)
        {
            await SubmitSignInAsync("organizer", $"wrong-{attempt}");
        }
        var afterFive = await Page.Locator("[data-testid=login-error]").InnerTextAsync();
        await SubmitSignInAsync("organizer", "organizer" + Suffix);

        Assert.That(afterFive, Does.Contain("锁定"));
        Assert.That(await Page.Locator("[data-testid=login-error]").InnerTextAsync(), Does.Contain("锁定"), "even the right password is refused while locked");
        Assert.That(CurrentPath, Is.EqualTo("/login"));
    }

    [Test]
    public async Task EnglishSwitch_ShowsEnglishText_OnLoginAndHome()
    {
        await Page.GotoAsync("/login");

        await ClickAndWaitForPageAsync(Page.GetByRole(AriaRole.Link, new() { Name = "English" }));

        Assert.That(await Page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo("en"));
        Assert.That(await Page.Locator("h1").InnerTextAsync(), Is.EqualTo("Staff sign-in"));
        Assert.That(new Uri(Page.Url).Query, Does.Not.Contain("lang="), "the switch sets a cookie and returns to a clean address");

        await SubmitSignInAsync("committee", "committee" + Suffix);
        await WaitForPathAsync("/");

        var card = await Card("committee").InnerTextAsync();
        Assert.That(card, Does.Contain("Committee").And.Contain("Points and corrections").And.Contain("Coming soon"));
        Assert.That(card, Does.Not.Contain("两委"));

        await ClickAndWaitForPageAsync(Page.GetByRole(AriaRole.Link, new() { Name = "中文" }));
        Assert.That(await Page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo("zh-CN"));
        Assert.That(await Card("committee").InnerTextAsync(), Does.Contain("记分与更正"));
    }

    [Test]
    public async Task WrongPassword_InEnglish_ShowsTheEnglishError()
    {
        await Page.GotoAsync("/login?lang=en");

        await SubmitSignInAsync("reviewer", "not-the-password");

        Assert.That(await Page.Locator("[data-testid=login-error]").InnerTextAsync(), Is.EqualTo("Wrong username or password"));
    }

    [Test]
    public async Task Logout_ReturnsToLogin_AndHomeAsksToSignInAgain()
    {
        await SignInFromHomeAsync("committee");

        await ClickAndWaitForPageAsync(Page.GetByRole(AriaRole.Button, new() { Name = "退出登录" }));

        Assert.That(CurrentPath, Is.EqualTo("/login"));
        await Page.GotoAsync("/");
        Assert.That(CurrentPath, Is.EqualTo("/login"), "the session is gone");
    }

    [TestCase("inspector", "inspector", "网格：一组")]
    [TestCase("shopkeeper", "shopkeeper", "商家：示范村积分超市")]
    public async Task ScopedRoles_SeeTheirGridOrShopOnTheirCard(string username, string role, string scope)
    {
        await SignInFromHomeAsync(username);

        Assert.That(await Card(role).Locator(".scope").InnerTextAsync(), Is.EqualTo(scope));
        Assert.That(await Page.Locator("article.card").CountAsync(), Is.EqualTo(1), "only the roles the user holds");
    }

    [Test]
    public async Task Home_OnAPhone_FitsTheScreenWidth()
    {
        await Page.SetViewportSizeAsync(360, 740);
        await SignInFromHomeAsync("admin");

        var width = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.That(width, Is.LessThanOrEqualTo(360), "nothing makes the page scroll sideways on a phone");
        Assert.That(await Page.Locator("article.card").CountAsync(), Is.EqualTo(2), "system administrator and the community's administrator");
        await ScreenshotAsync("admin-home-phone");
    }

    [Test]
    public async Task SignIn_FollowsALocalReturnUrl_ButNeverAnotherSite()
    {
        await Page.GotoAsync("/login?ReturnUrl=https%3A%2F%2Fevil.example%2F");

        await SubmitSignInAsync("committee", "committee" + Suffix);

        await WaitForPathAsync("/");
        Assert.That(new Uri(Page.Url).Host, Is.EqualTo(BaseUrl.Host));
    }

    [Test]
    public async Task StaticFilesAndTheDeniedPage_AreReachableWithoutSigningIn()
    {
        var css = await Page.GotoAsync("/css/site.css");
        Assert.That(css!.Status, Is.EqualTo(200));

        await Page.GotoAsync("/denied");
        Assert.That(CurrentPath, Is.EqualTo("/denied"));
        Assert.That(await Page.Locator("h1").InnerTextAsync(), Is.EqualTo("没有权限"));
    }

    [Test]
    public async Task DeactivatedUser_IsSignedOut_AtTheNextPage()
    {
        var username = $"leaver{Guid.NewGuid():N}"[..16];
        await using (var scope = App.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("tests");
            await using var connection = await scope.ServiceProvider.GetRequiredService<DbDataSource>().OpenConnectionAsync();
            var community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
            var added = await scope.ServiceProvider.GetRequiredService<IMediator>()
                .Send(new AddCommunityUser(community, username, "离职人员", username + Suffix, "reviewer"));
            Assert.That(added.Failure, Is.Null);
        }
        await Page.GotoAsync("/login");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");

        await using (var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE users SET is_active = 0 WHERE username = @username", new { username });
        }
        await Page.ReloadAsync();

        Assert.That(CurrentPath, Is.EqualTo("/login"));
        Assert.That((await Page.Context.CookiesAsync()).Select(c => c.Name), Does.Not.Contain("pointsbank.auth"), "the session cookie is removed");
    }

    [TestCase("/login")]
    [TestCase("/logout")]
    public async Task FormPosts_WithoutTheAntiforgeryToken_AreRefused(string path)
    {
        await SignInFromHomeAsync("committee");
        var form = Page.APIRequest.CreateFormData();
        form.Set("Username", "committee");
        form.Set("Password", "committee" + Suffix);

        var response = await Page.APIRequest.PostAsync(path, new() { Form = form, MaxRedirects = 0 });

        Assert.That(response.Status, Is.EqualTo(400));
    }

    [Test]
    public void LoginPage_IsPublic_AndRateLimited_AndHomeIsNot()
    {
        var pages = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            .GroupBy(e => "/" + e.RoutePattern.RawText?.TrimStart('/'))
            .ToDictionary(g => g.Key, g => g.First().Metadata);

        Assert.That(pages["/login"].GetMetadata<IAllowAnonymous>(), Is.Not.Null);
        Assert.That(pages["/login"].GetMetadata<EnableRateLimitingAttribute>()?.PolicyName, Is.EqualTo(WebSetup.SignInLimit));
        Assert.That(pages["/denied"].GetMetadata<IAllowAnonymous>(), Is.Not.Null);
        Assert.That(pages["/"].GetMetadata<IAllowAnonymous>(), Is.Null);
        Assert.That(pages["/logout"].GetMetadata<IAllowAnonymous>(), Is.Null);
    }
}

[TestFixture]
public sealed class SqliteShellTests() : ShellTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerShellTests() : ShellTests(DatabaseProvider.SqlServer);
