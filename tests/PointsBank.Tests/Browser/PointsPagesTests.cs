using Microsoft.Playwright;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 记分与更正 in a real browser: the committee finds a household by a member's name, awards points with a reason and
/// the day it happened, sees the entry and its explanation in the history, then corrects it with a reason.
/// </summary>
public sealed class PointsPagesTests : BrowserTest
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task SignInAsync(string username)
    {
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
    }

    [Test]
    public async Task Committee_FindsAHouseholdByName_Awards_SeesTheExplanation_AndCorrectsIt()
    {
        await SignInAsync("committee");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "记分与更正" }));
        await Page.Locator("#q").FillAsync("张建国");
        await ClickAndWaitForPageAsync(Page.Locator("form.search button[type=submit]"));
        var result = Page.Locator("[data-testid=results] a.result").First;
        Assert.That(await result.InnerTextAsync(), Does.Contain("张建国"), "the committee sees full names");
        await ClickAndWaitForPageAsync(result);
        var before = long.Parse(await Page.Locator("[data-testid=balance]").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);

        var form = Page.Locator("[data-testid=award-form]");
        await form.Locator("select[name=category]").SelectOptionAsync("neighbourliness");
        await form.Locator("input[name=points]").FillAsync("8");
        await form.Locator("input[name=reason]").FillAsync("帮独居老人修好了屋顶");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已奖励 8 分"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo((before + 8).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var newest = Page.Locator("[data-testid=history] li.entry").First;
        Assert.That(await newest.InnerTextAsync(), Does.Contain("+8").And.Contain("邻里互助").And.Contain("帮独居老人修好了屋顶"));
        await ScreenshotAsync("points-account-after-award");

        await newest.Locator("summary").ClickAsync();
        await newest.Locator("input[name=reason]").FillAsync("记错了户");
        await ClickAndWaitForPageAsync(newest.Locator("form button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已更正第"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo(before.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await Page.Locator("[data-testid=history] li.entry").First.InnerTextAsync(), Does.Contain("更正第").And.Contain("记错了户"));
        Assert.That(ConsoleErrors, Is.Empty, "nothing broken or blocked by the content security policy");
    }

    [Test]
    public async Task AnAwardWithoutAReason_IsRefusedInChinese_AndPostsNothing()
    {
        await SignInAsync("committee");
        await Page.GotoAsync("/points/1");
        await Page.Locator("#q").FillAsync("一组");
        await ClickAndWaitForPageAsync(Page.Locator("form.search button[type=submit]"));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=results] a.result").First);
        var before = await Page.Locator("[data-testid=balance]").InnerTextAsync();

        var form = Page.Locator("[data-testid=award-form]");
        await form.Locator("input[name=points]").FillAsync("5");
        await form.Locator("input[name=reason]").FillAsync("\u200B\u200B");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.Contain("理由"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task AGridWorker_FindsOnlyTheirGrid_SeesMaskedNames_AwardsAGoodDeed_ButCannotCorrect()
    {
        await SignInAsync("inspector");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=inspector] a", new() { HasText = "好人好事" }));
        await Page.Locator("#q").FillAsync("组");
        await ClickAndWaitForPageAsync(Page.Locator("form.search button[type=submit]"));

        var results = await Page.Locator("[data-testid=results] a.result").AllInnerTextsAsync();
        Assert.That(results, Is.Not.Empty);
        Assert.That(results, Has.All.StartWith("一组"), "the demo inspector is limited to grid 一组");
        Assert.That(string.Join("\n", results), Does.Not.Contain("张建国"), "names are masked for a grid worker");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=results] a.result").First);
        var form = Page.Locator("[data-testid=award-form]");
        await form.Locator("input[name=points]").FillAsync("3");
        await form.Locator("input[name=reason]").FillAsync("清理村道积雪");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已奖励 3 分"));
        Assert.That(await Page.Locator("details.correct").CountAsync(), Is.Zero, "corrections are the committee's");
    }
}
