using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 记分与更正 in a real browser: the committee finds a household by a member's name, awards points with a reason and
/// the day it happened, sees the entry and its explanation in the history, then corrects it with a reason.
/// </summary>
public abstract class PointsPagesTests(DatabaseProvider provider) : BrowserTest(provider)
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

        // Pick the rule by its Chinese name, then give only what it asks for (a grade).
        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "参加治安巡防" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=rule-summary]").InnerTextAsync(), Does.Contain("每次 +10 分"));
        var form = Page.Locator("[data-testid=rule-form]");
        await form.Locator("input[name=evidenceNote]").FillAsync("夜间巡逻两小时");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已按“参加治安巡防”奖励 10 分"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo((before + 10).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var newest = Page.Locator("[data-testid=history] li.entry").First;
        Assert.That(await newest.InnerTextAsync(), Does.Contain("+10").And.Contain("遵纪守法").And.Contain("参加治安巡防").And.Contain("夜间巡逻两小时"));
        await ScreenshotAsync("points-account-after-award");

        // The same rule again the same day: its once-a-day limit refuses it, in Chinese, and nothing is posted.
        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "参加治安巡防" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=rule-form] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Is.EqualTo("按积分细则不能这样记分"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo((before + 10).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        newest = Page.Locator("[data-testid=history] li.entry").First;

        await newest.Locator("summary").ClickAsync();
        await newest.Locator("input[name=reason]").FillAsync("记错了户");
        await ClickAndWaitForPageAsync(newest.Locator("form button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已更正第"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo(before.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await Page.Locator("[data-testid=history] li.entry").First.InnerTextAsync(), Does.Contain("更正第").And.Contain("记错了户"));
        Assert.That(ConsoleErrors, Is.Empty, "nothing broken or blocked by the content security policy");

        // The same page on a phone: nothing wider than the screen.
        await Page.SetViewportSizeAsync(390, 844);
        await Page.ReloadAsync();
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("points-account-phone");
    }

    [Test]
    public async Task AGradedInspection_ByItsGrade_AndAnInvisibleEvidenceNote_IsRefusedInChinese()
    {
        await SignInAsync("committee");
        await Page.GotoAsync($"/points/{await DemoCommunityAsync()}");
        await Page.Locator("#q").FillAsync("一组");
        await ClickAndWaitForPageAsync(Page.Locator("form.search button[type=submit]"));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=results] a.result").First);
        var before = await Page.Locator("[data-testid=balance]").InnerTextAsync();

        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "垃圾分类月度检查" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        var form = Page.Locator("[data-testid=rule-form]");
        await form.Locator("select[name=grade]").SelectOptionAsync("良");
        await form.Locator("input[name=evidenceNote]").FillAsync("\u200B\u200B");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.Contain("依据说明"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo(before));

        form = Page.Locator("[data-testid=rule-form]");
        await form.Locator("select[name=grade]").SelectOptionAsync("良");
        await form.Locator("input[name=evidenceNote]").FillAsync("");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已按“垃圾分类月度检查”奖励"));
        Assert.That(await Page.Locator("[data-testid=history] li.entry").First.InnerTextAsync(), Does.Contain("良"));
    }

    [Test]
    public async Task AGridWorker_FindsOnlyTheirGrid_SeesMaskedNames_AwardsAGoodDeed_ButCannotCorrect()
    {
        await SignInAsync("inspector");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=inspector] a", new() { HasText = "好人好事记分" }));
        await Page.Locator("#q").FillAsync("组");
        await ClickAndWaitForPageAsync(Page.Locator("form.search button[type=submit]"));

        var results = await Page.Locator("[data-testid=results] a.result").AllInnerTextsAsync();
        Assert.That(results, Is.Not.Empty);
        Assert.That(results, Has.All.StartWith("一组"), "the demo inspector is limited to grid 一组");
        Assert.That(string.Join("\n", results), Does.Not.Contain("张建国"), "names are masked for a grid worker");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=results] a.result").First);
        var options = await Page.Locator("#rule option").AllInnerTextsAsync();
        Assert.That(options, Has.None.Contains("获评敬老爱亲之星"), "only the rules a grid worker may record are offered");
        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "参加村（社区）组织的义务劳动/环境整治" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=rule-form] button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已按“参加村（社区）组织的义务劳动/环境整治”奖励 5 分"));
        Assert.That(await Page.Locator("details.correct").CountAsync(), Is.Zero, "corrections are the committee's");
    }

    [Test]
    public async Task ADeductionLargerThanTheBalance_AsksForConfirmation_ThenFollowsThePolicyAndSaysSo()
    {
        // A new household with no points yet, added as the operator would.
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<PointsBank.Identity.CallerContext>().Current = PointsBank.Identity.Caller.Cli("test");
        var mediator = scope.ServiceProvider.GetRequiredService<MediatR.IMediator>();
        var code = $"新户-{Guid.NewGuid():N}"[..10];
        var community = await DemoCommunityAsync();
        var household = await mediator.Send(new PointsBank.Features.Communities.AddHousehold(community, null, code));
        var account = await mediator.Send(new PointsBank.Features.Accounts.OpenAccount(community, "household", household.Value!.HouseholdId));
        await SignInAsync("committee");
        await Page.GotoAsync($"/points/{community}/accounts/{account.Value!.AccountId}");

        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "【扣分】违反社会公德/大操大办红白事" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        await Page.Locator("[data-testid=rule-form] input[name=evidenceNote]").FillAsync("大操大办婚宴，经两委核实");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=rule-form] button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.Contain("超过该户可用积分"));
        Assert.That(await Page.Locator("[data-testid=history] li.entry").CountAsync(), Is.Zero, "nothing was posted without the confirmation");

        await Page.Locator("[data-testid=rule-form] input[name=evidenceNote]").FillAsync("大操大办婚宴，经两委核实");
        await Page.Locator("[data-testid=confirm-over-balance]").CheckAsync();
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=rule-form] button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.Contain("扣 0 分"));
        Assert.That(await Page.Locator("[data-testid=history] li.entry").First.InnerTextAsync(),
            Does.Contain("按社区规定，扣分以当前可用积分为限：应扣 20 分，实扣 0 分"));
    }

    [Test]
    public async Task ARuleThatNeedsReview_IsSubmittedAsAClaim_FromThePointsPage_AndPostsNothingYet()
    {
        await SignInAsync("committee");
        await Page.GotoAsync($"/points/{await DemoCommunityAsync()}");
        await Page.Locator("#q").FillAsync("二组");
        await ClickAndWaitForPageAsync(Page.Locator("form.search button[type=submit]"));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=results] a.result").First);
        var before = await Page.Locator("[data-testid=balance]").InnerTextAsync();

        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "拾金不昧（须申报审核）" });
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=claim-hint]").InnerTextAsync(), Does.Contain("评议员"));
        var form = Page.Locator("[data-testid=rule-form]");
        await form.Locator("input[name=points]").FillAsync("8");
        await form.Locator("input[name=evidenceNote]").FillAsync("捡到钱包 300 元，当场归还失主");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        var done = await Page.Locator("[data-testid=done]").InnerTextAsync();
        Assert.That(done, Does.Match(@"^已提交申报，等待审核（第 \d+ 号）"));
        Assert.That(await Page.Locator("[data-testid=balance]").InnerTextAsync(), Is.EqualTo(before), "a claim posts only after review and notice");
        await ScreenshotAsync("points-award-becomes-claim");
        var claimId = System.Text.RegularExpressions.Regex.Match(done, @"第 (\d+) 号").Groups[1].Value;

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submitted-claim]"));
        var claim = Page.Locator($"[data-testid=claim-{claimId}]");
        Assert.That(await claim.InnerTextAsync(), Does.Contain("捡到钱包 300 元"), "the link opens the claim in the reviewers' queue");
    }
}

[TestFixture]
public sealed class SqlitePointsPagesTests() : PointsPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPointsPagesTests() : PointsPagesTests(DatabaseProvider.SqlServer);
