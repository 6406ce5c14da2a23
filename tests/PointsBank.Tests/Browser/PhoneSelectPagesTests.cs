using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Microsoft.Playwright;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The committee's drop-downs at 390 px: the account page's rule list (long rule names, 【扣分】, （须申报审核）) and
/// the policy page's choices. Each select lies inside the screen, the page does not scroll sideways, and the chosen
/// option's words are not cut: the one rule in site.css that lets a select's text wrap is what makes that so.
/// </summary>
public abstract class PhoneSelectPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    /// <summary>Every select on the page: its box, and whether the longest option's words fit in it (on one line or wrapped).</summary>
    private const string Measure = """
        () => [...document.querySelectorAll("main select")].map(s => {
          const box = s.getBoundingClientRect();
          const style = getComputedStyle(s);
          const context = document.createElement("canvas").getContext("2d");
          context.font = style.font;
          const longest = [...s.options].reduce((a, o) => context.measureText(o.text.trim()).width > context.measureText(a).width ? o.text.trim() : a, "");
          const before = s.value;
          const option = [...s.options].find(o => o.text.trim() === longest);
          s.value = option.value;
          const oneLine = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
          const after = s.getBoundingClientRect();
          const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          const result = { id: s.id || s.name, left: box.left, right: box.right, longest, textWidth: context.measureText(longest).width,
                           room, lines: Math.round((after.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom) - 4) / oneLine),
                           wraps: style.whiteSpace !== "nowrap" && style.whiteSpace !== "pre" };
          s.value = before;
          return result;
        })
        """;

    private sealed record SelectBox(string Id, double Left, double Right, string Longest, double TextWidth, double Room, int Lines, bool Wraps);

    private async Task<IReadOnlyList<SelectBox>> MeasureAsync()
    {
        var json = await Page.EvaluateAsync<JsonElement>(Measure);
        return JsonSerializer.Deserialize<List<SelectBox>>(json.GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private async Task AssertSelectsFitAsync(string what)
    {
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.EqualTo(390), $"{what}: no sideways scrolling");
        var selects = await MeasureAsync();
        Assert.That(selects, Is.Not.Empty, what);
        foreach (var s in selects)
        {
            TestContext.Out.WriteLine($"{what} {s}");
            Assert.That(s.Left, Is.GreaterThanOrEqualTo(0), $"{what}: {s.Id} starts on screen");
            Assert.That(s.Right, Is.LessThanOrEqualTo(390), $"{what}: {s.Id} ends on screen");
            Assert.That(s.TextWidth <= s.Room || (s.Wraps && s.Lines >= 2), Is.True,
                $"{what}: “{s.Longest}” ({s.TextWidth:0} px) fits in {s.Id} ({s.Room:0} px) or wraps onto more lines ({s.Lines})");
        }
    }

    private async Task<long> SignInAsync(string username)
    {
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
        return await DemoCommunityAsync();
    }

    [Test]
    public async Task TheAccountPage_SaysWhoseAccount_AndItsRuleList_FitsAPhone()
    {
        var community = await SignInAsync("committee");
        long account;
        await using (var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync())
        {
            account = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, """
                SELECT a.id FROM accounts a JOIN households h ON h.id = a.household_id
                 WHERE a.community_id = @community AND a.kind = 'household' AND h.code = '一组-01'
                """, new { community });
        }
        await Page.GotoAsync($"/points/{community}/accounts/{account}");

        await Assertions.Expect(Page.Locator("[data-testid=account-name]")).ToHaveTextAsync("一组-01 户 · 户主 张建国");
        Assert.That(await Page.TitleAsync(), Does.Contain("一组-01 户 · 户主 张建国"));
        await AssertSelectsFitAsync("account page");
        await Page.Locator("#rule").SelectOptionAsync(new SelectOptionValue { Label = "参加村（社区）组织的义务劳动/环境整治" });
        await ScreenshotAsync("account-rules-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task ThePolicyPage_ItsDropDowns_FitAPhone()
    {
        var community = await SignInAsync("committee");
        await Page.GotoAsync($"/policy/{community}");
        await Assertions.Expect(Page.Locator("[data-testid=policy-form]")).ToBeVisibleAsync();

        await AssertSelectsFitAsync("policy page");
        await Page.Locator("#Form_PenaltyPolicy").SelectOptionAsync("cap");
        await ScreenshotAsync("policy-selects-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqlitePhoneSelectPagesTests() : PhoneSelectPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPhoneSelectPagesTests() : PhoneSelectPagesTests(DatabaseProvider.SqlServer);
