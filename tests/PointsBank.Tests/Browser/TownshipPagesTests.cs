using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Communities;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 全镇概况 in a browser: the demo's township user, granted on the demo village and a second one, reaches the overview
/// from the home card and sees both villages ranked side by side; on a phone the page does not scroll sideways.
/// </summary>
public abstract class TownshipPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task<int> ScrollWidthAsync() => await Page.EvaluateAsync<int>("document.documentElement.scrollWidth");

    private bool _granted;

    // Once per fixture (the app is the fixture's): the township then oversees exactly two villages.
    private async Task GrantASecondVillageAsync()
    {
        if (_granted)
        {
            return;
        }
        _granted = true;
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("browser-test");
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var created = await mediator.Send(new CreateCommunity($"v{Guid.NewGuid():N}"[..12], "邻村"));
        Assert.That((await mediator.Send(new GrantRole(created.Value!.CommunityId, "township", "township"))).Failure, Is.Null);
    }

    [TestCase(390, 844, "township-phone")]
    [TestCase(1280, 800, "township-desktop")]
    public async Task TheTownship_SeesItsVillagesSideBySide_FromTheHomeCard(int width, int height, string screenshot)
    {
        await GrantASecondVillageAsync();
        await Page.SetViewportSizeAsync(width, height);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("township", "township" + Suffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=township] a", new() { HasText = "全镇概况" }).First);

        Assert.That(CurrentPath, Is.EqualTo("/township"));
        await Assertions.Expect(Page.Locator("[data-testid=township-community]")).ToHaveCountAsync(2);
        await Assertions.Expect(Page.Locator("[data-testid=township]")).ToContainTextAsync("邻村");
        await Assertions.Expect(Page.Locator("[data-testid=township-csv]")).ToBeVisibleAsync();
        Assert.That(await ScrollWidthAsync(), Is.LessThanOrEqualTo(width));
        await ScreenshotAsync(screenshot);
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteTownshipPagesTests() : TownshipPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTownshipPagesTests() : TownshipPagesTests(DatabaseProvider.SqlServer);
