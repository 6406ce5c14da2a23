using Microsoft.Playwright;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 积分细则 and 积分政策 in a real browser: the committee reads the catalogue from the home page, records a new version
/// of a rule with its adoption record and sees both versions; changes the policy and sees it saved; a grid worker reads
/// the catalogue but is offered no form.
/// </summary>
public abstract class RulesPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task SignInAsync(string username)
    {
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
    }

    [Test]
    public async Task Committee_ReadsTheRules_RecordsANewVersionOfAGradeTable_AndSeesBothVersions()
    {
        await SignInAsync("committee");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "积分细则" }));

        Assert.That(await Page.Locator("h1").InnerTextAsync(), Is.EqualTo("积分细则"));
        var catalogue = await Page.Locator("[data-testid=catalogue-version]").InnerTextAsync();
        Assert.That(catalogue, Does.Match(@"^现行细则第 \d+ 版：.+，\d{4}-\d{2}-\d{2} 通过"), "the catalogue version and the meeting that adopted it");
        var catalogueVersion = int.Parse(System.Text.RegularExpressions.Regex.Match(catalogue, @"\d+").Value, System.Globalization.CultureInfo.InvariantCulture);
        var waste = Page.Locator("[data-testid=rules] li.rule[data-code=waste_sorting]");
        var text = await waste.InnerTextAsync();
        Assert.That(text, Does.Contain("垃圾分类月度检查").And.Contain("卫生评比").And.Contain("每月最多 1 次"));
        Assert.That(await waste.Locator("[data-testid=grades] tr").AllInnerTextsAsync(),
            Is.EqualTo(new[] { "优\t+10 分", "良\t+6 分", "中\t+3 分", "差\t0 分" }));
        Assert.That(await Page.Locator("li.rule[data-code=volunteer_service] [data-testid=rule-gives]").InnerTextAsync(),
            Does.Contain("每小时 1 分，每次最多 2 小时"));
        Assert.That(await Page.Locator("li.rule[data-code=straw_burning] [data-testid=rule-gives]").InnerTextAsync(), Does.Contain("每次扣"));
        Assert.That(ConsoleErrors, Is.Empty, "nothing broken or blocked by the content security policy");
        await ScreenshotAsync("rules-index");

        await ClickAndWaitForPageAsync(waste.Locator("h2 a"));
        Assert.That(CurrentPath, Does.Match(@"^/rules/\d+/waste_sorting$"));
        var form = Page.Locator("[data-testid=revise-form]");

        // The meeting is required: without it the page refuses in Chinese and records nothing.
        await form.Locator("input[data-grade=优]").FillAsync("12");
        await form.Locator("#Form_Meeting").EvaluateAsync("e => e.removeAttribute('required')");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.Contain("通过会议"));
        Assert.That(await Page.Locator("[data-testid=versions] > li").CountAsync(), Is.EqualTo(1));

        form = Page.Locator("[data-testid=revise-form]");
        Assert.That(await form.Locator("input[data-grade=优]").InputValueAsync(), Is.EqualTo("12"), "what was typed is kept");
        await form.Locator("#Form_Meeting").FillAsync("2026年第4次村民代表大会");
        await form.Locator("#Form_AdoptedOn").FillAsync("2026-11-20");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("已记录“垃圾分类月度检查”第 2 版"));
        var versions = Page.Locator("[data-testid=versions] > li");
        Assert.That(await versions.CountAsync(), Is.EqualTo(2));
        Assert.That(await versions.Nth(0).GetAttributeAsync("data-version"), Is.EqualTo("2"), "newest first");
        Assert.That(await versions.Nth(0).InnerTextAsync(), Does.Contain("现行").And.Contain("2026年第4次村民代表大会，2026-11-20 通过").And.Contain("+12 分"));
        Assert.That(await versions.Nth(1).InnerTextAsync(), Does.Contain("系统默认细则").And.Contain("+10 分").And.Not.Contain("现行"));
        Assert.That(ConsoleErrors, Is.Empty);
        await ScreenshotAsync("rules-versions");

        await Page.GotoAsync(new Uri(Page.Url).AbsolutePath.Replace("/waste_sorting", "", StringComparison.Ordinal));
        Assert.That(await Page.Locator("[data-testid=catalogue-version]").InnerTextAsync(), Does.StartWith($"现行细则第 {catalogueVersion + 1} 版：2026年第4次村民代表大会，2026-11-20 通过"));
        Assert.That(await Page.Locator("li.rule[data-code=waste_sorting] [data-testid=grades] tr").First.InnerTextAsync(), Is.EqualTo("优\t+12 分"));
    }

    [Test]
    public async Task Committee_ChangesTheNoticeDays_AndSeesThemSaved()
    {
        await SignInAsync("committee");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "积分政策" }));
        Assert.That(await Page.Locator("h1").InnerTextAsync(), Is.EqualTo("积分政策"));

        var form = Page.Locator("[data-testid=policy-form]");
        await form.Locator("#Form_NoticeDays").FillAsync("5");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));

        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("积分政策已保存"));
        Assert.That(await Page.Locator("[data-testid=notice-days]").InnerTextAsync(), Is.EqualTo("审核通过后公示 5 天再入账"));
        Assert.That(await Page.Locator("#Form_NoticeDays").InputValueAsync(), Is.EqualTo("5"));
        Assert.That(ConsoleErrors, Is.Empty);
        await ScreenshotAsync("policy");

        // A rate finer than ¥0.0001 is refused in Chinese (the browser would stop it first; the request checks again).
        form = Page.Locator("[data-testid=policy-form]");
        await form.Locator("#Form_YuanPerPoint").FillAsync("0.12345");
        await form.Locator("#Form_YuanPerPoint").EvaluateAsync("e => e.setAttribute('step', 'any')");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.StartWith("每分折合须为"));

        // The demo ledger has entries, so the account mode is fixed: refused in Chinese, nothing changed.
        form = Page.Locator("[data-testid=policy-form]");
        await form.Locator("#Form_YuanPerPoint").FillAsync("1");
        await form.Locator("#Form_AccountMode").SelectOptionAsync("person");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Is.EqualTo("已有积分记录，不能再修改记分单位（以户/以人）"));
        await Page.GotoAsync(CurrentPath);
        Assert.That(await Page.Locator("[data-testid=policy]").InnerTextAsync(), Does.Contain("以户为单位"));
    }

    [Test]
    public async Task AResentForm_DoesNotRecordASecondVersion_AndThePageReadsOnAPhone()
    {
        await SignInAsync("committee");
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync($"/rules/{await DemoCommunityAsync()}/security_patrol");
        var form = Page.Locator("[data-testid=revise-form]");
        Assert.That(await form.Locator("#Form_Points").InputValueAsync(), Is.EqualTo("10"));
        await form.Locator("#Form_Points").FillAsync("8");
        await form.Locator("#Form_MaxPerMonth").FillAsync("4");
        await form.Locator("#Form_NeedsEvidence").CheckAsync();
        await form.Locator("#Form_Meeting").FillAsync("2026年第4次村民代表大会");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("已记录“参加治安巡防”第 2 版"));
        Assert.That(await Page.Locator("[data-testid=versions] > li").First.InnerTextAsync(),
            Does.Contain("每次 +8 分").And.Contain("每天最多 1 次；每月最多 4 次").And.Contain("须写依据说明"));
        await ScreenshotAsync("rules-versions-phone");

        // The same form sent again (based on version 1) is refused in Chinese; still two versions.
        form = Page.Locator("[data-testid=revise-form]");
        await form.Locator("input[name='Form.BasedOn']").EvaluateAsync("e => e.value = '1'");
        await form.Locator("#Form_Meeting").FillAsync("2026年第4次村民代表大会");
        await ClickAndWaitForPageAsync(form.Locator("button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.StartWith("这条细则已有第 2 版"));
        Assert.That(await Page.Locator("[data-testid=versions] > li").CountAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task AGridWorker_ReadsTheRules_ButIsOfferedNoForms()
    {
        await SignInAsync("inspector");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=inspector] a", new() { HasText = "积分细则" }));
        Assert.That(await Page.Locator("[data-testid=rules] li.rule").CountAsync(), Is.GreaterThan(5));
        await ClickAndWaitForPageAsync(Page.Locator("li.rule[data-code=security_patrol] h2 a"));
        Assert.That(await Page.Locator("[data-testid=versions] > li").CountAsync(), Is.EqualTo(1));
        Assert.That(await Page.Locator("[data-testid=revise-form]").CountAsync(), Is.Zero, "new versions are the committee's");

        await Page.GotoAsync(CurrentPath.Replace("/rules/", "/policy/", StringComparison.Ordinal).Replace("/security_patrol", "", StringComparison.Ordinal));
        Assert.That(await Page.Locator("[data-testid=notice-days]").CountAsync(), Is.EqualTo(1), "every staff role reads the policy");
        Assert.That(await Page.Locator("[data-testid=policy-form]").CountAsync(), Is.Zero);

        await Page.GotoAsync(CurrentPath.Replace("/policy/", "/rules/", StringComparison.Ordinal) + "?lang=en");
        Assert.That(await Page.Locator("h1").InnerTextAsync(), Is.EqualTo("Points rules"));
        Assert.That(await Page.Locator("li.rule[data-code=waste_sorting] [data-testid=grades] tr").First.InnerTextAsync(), Is.EqualTo("优 (excellent)\t+10"));
        Assert.That(ConsoleErrors, Is.Empty);
        await ScreenshotAsync("rules-index-en");
    }
}

[TestFixture]
public sealed class SqliteRulesPagesTests() : RulesPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRulesPagesTests() : RulesPagesTests(DatabaseProvider.SqlServer);
