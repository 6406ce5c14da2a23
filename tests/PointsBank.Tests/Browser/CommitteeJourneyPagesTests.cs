using Microsoft.Playwright;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The committee's jobs on a phone, as the walkthrough did them: a new household added through the roster page's
/// 新增一户 form and reached from its answer; a claim entered for it seen waiting on its account page, and on the claims
/// page without decisions the committee may not make.
/// </summary>
public abstract class CommitteeJourneyPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task AssertPhoneWidthAsync() =>
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390), "no sideways scrolling");

    [Test]
    public async Task TheCommittee_AddsAHousehold_OnAPhone_EntersAClaimForIt_AndSeesItWaiting_WithNoDecisionOfItsOwn()
    {
        var code = $"手机-{Guid.NewGuid():N}"[..8];
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + Suffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "名册" }));

        // First a taken door plate: refused in words beside the form, the input kept.
        await Page.Locator("#add-code").FillAsync("一组-01");
        await Page.Locator("#add-holder").FillAsync("冯大年");
        await Page.Locator("#add-members").FillAsync("冯小年");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=add-submit]"));
        await Assertions.Expect(Page.Locator("[data-testid=add-error]")).ToContainTextAsync("本社区已有相同门牌编号的户");
        Assert.That(await Page.Locator("#add-holder").InputValueAsync(), Is.EqualTo("冯大年"));
        Assert.That(await Page.Locator("#add-members").InputValueAsync(), Is.EqualTo("冯小年"));
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("roster-add-refused-phone");

        await Page.Locator("#add-code").FillAsync(code);
        await Page.Locator("#add-phone").FillAsync("139-0000-5678");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=add-submit]"));
        await Assertions.Expect(Page.Locator("[data-testid=added]")).ToContainTextAsync($"已新增 {code} 户（2 人）");
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("roster-added-phone");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=added-account]"));
        await Assertions.Expect(Page.Locator("[data-testid=account-name]")).ToHaveTextAsync($"{code} 户 · 户主 冯大年");
        await Page.Locator("#rule").SelectOptionAsync("mediation");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pick-rule] button[type=submit]"));
        await Page.Locator("[data-testid=rule-form] input[name=evidenceNote]").FillAsync("调解两户宅基地纠纷，有协议书");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=rule-form] button[type=submit]"));
        var claimId = await Page.Locator("[data-testid=submitted-claim]").GetAttributeAsync("href") is { } href ? href[(href.LastIndexOf('-') + 1)..] : "";
        var waiting = Page.Locator($"[data-testid=waiting-claim-{claimId}]");
        await Assertions.Expect(waiting).ToContainTextAsync("待审核");
        await Assertions.Expect(waiting).ToContainTextAsync("调解邻里矛盾纠纷");
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("account-waiting-claim-phone");

        await ClickAndWaitForPageAsync(waiting.Locator("a"));
        var article = Page.Locator($"[data-testid=claim-{claimId}]");
        await Assertions.Expect(article.Locator($"[data-testid=not-yours-{claimId}]")).ToContainTextAsync("由其他审核人决定（如评议员）");
        Assert.That(await article.Locator("form[action*=Approve], form[action*=Reject]").CountAsync(), Is.Zero, "no 通过 / 不通过 on one's own claim");
        await Page.Locator("[data-testid=decided-rejected]").ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains("status=rejected", StringComparison.Ordinal));
        await Assertions.Expect(Page.Locator("[data-testid=decided]")).ToBeVisibleAsync();
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("claims-own-and-decided-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteCommitteeJourneyPagesTests() : CommitteeJourneyPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCommitteeJourneyPagesTests() : CommitteeJourneyPagesTests(DatabaseProvider.SqlServer);
