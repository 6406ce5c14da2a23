using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// Cards in a real browser, decoded the way a phone camera would read them (zbarimg): the QR SVG; the committee issuing
/// a card from the account page, setting its PIN and printing it; the A4 sheet of a grid after a batch issue, whose
/// QR codes are exactly the grid's active cards; and the resident's page at phone width.
/// </summary>
public abstract class CardPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = AppFactory.DemoPasswordSuffix;

    private async Task SignInAsync(string username)
    {
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
    }

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("cards-browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>A household of the grid (or of none) with a member and an account, and no card yet.</summary>
    private async Task<long> NewHouseholdAccountAsync(long community, long? grid, string code, string name)
    {
        var household = (await Cli(new AddHousehold(community, grid, code))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(community, household, name, "13700001111"))).Failure, Is.Null);
        return (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId;
    }

    private async Task<HttpClient> CommitteeApiAsync()
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "committee", password = "committee" + Suffix, name = "cards" });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Test]
    public async Task QrSvg_RenderedByChromium_DecodesToExactlyTheIssuedUrl()
    {
        var community = await DemoCommunityAsync();
        var account = await NewHouseholdAccountAsync(community, null, "SVG-01", "韩梅梅");
        using var api = await CommitteeApiAsync();
        using var issued = await api.PostAsync($"/api/v1/communities/{community}/accounts/{account}/card", null);
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var url = body.GetProperty("url").GetString()!;

        var svg = await api.GetStringAsync($"/api/v1/communities/{community}/cards/{body.GetProperty("cardId").GetInt64()}/qr.svg");
        await Page.SetContentAsync($"<!DOCTYPE html><html><body style=\"margin:0;background:#fff\">{svg}</body></html>");
        var file = Path.Combine(ScreenshotDirectory, "card-qr-svg.png");
        Directory.CreateDirectory(ScreenshotDirectory);
        await Page.Locator("svg").ScreenshotAsync(new() { Path = file });

        Assert.That(url, Does.StartWith(BaseUrl.ToString().TrimEnd('/') + "/c/"));
        Assert.That(await Zbar.DecodeAsync(file), Is.EqualTo(new[] { url }));
    }

    [Test]
    public async Task Committee_IssuesACardFromTheAccountPage_SetsThePin_PrintsIt_AndTheResidentOpensItOnAPhone()
    {
        var community = await DemoCommunityAsync();
        var account = await NewHouseholdAccountAsync(community, null, "卡页-01", "司马光明");
        await SignInAsync("committee");
        await Page.GotoAsync($"/points/{community}/accounts/{account}");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=card-link]"));
        Assert.That(await Page.Locator("[data-testid=no-card]").IsVisibleAsync(), Is.True);

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=issue]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已发卡"));
        Assert.That(await Page.Locator("[data-testid=has-pin]").InnerTextAsync(), Is.EqualTo("未设置"));
        // A new card has no PIN, and without one it can neither order nor pay: the page says so and leads to the PIN form.
        await Assertions.Expect(Page.Locator("[data-testid=no-pin-yet]")).ToContainTextAsync("这张卡还没有密码：没有密码不能下单");
        Assert.That(await Page.Locator("[data-testid=set-pin-link]").GetAttributeAsync("href"), Is.EqualTo("#pin"));
        await Assertions.Expect(Page.Locator("#pin")).ToBeFocusedAsync();
        await ScreenshotAsync("card-committee-issued-no-pin");

        await Page.Locator("#pin").FillAsync("2468");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=pin-form] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("密码已设置。"));
        Assert.That(await Page.Locator("[data-testid=no-pin-yet]").CountAsync(), Is.EqualTo(0), "once the PIN is set the warning is gone");
        Assert.That(await Page.Locator("[data-testid=has-pin]").InnerTextAsync(), Is.EqualTo("已设置"));
        Assert.That(await Page.ContentAsync(), Does.Not.Contain("2468"));
        await ScreenshotAsync("card-committee-account");

        // 补办 without ticking the confirmation is refused and keeps the card.
        var cardId = await Page.Locator("[data-testid=card-id]").InnerTextAsync();
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=replace-form] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.Contain("请勾选确认"));
        Assert.That(await Page.Locator("[data-testid=card-id]").InnerTextAsync(), Is.EqualTo(cardId));

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=print]"));
        var printed = Page.Locator("[data-testid=printed-card]");
        await Page.Locator(".pcard-qr").EvaluateAsync("img => img.complete || new Promise(r => img.onload = r)");
        Assert.That(await printed.InnerTextAsync(), Does.Contain("示范村").And.Contain("司*明").And.Contain("卡页-01").And.Contain("扫码查积分"));
        Assert.That(await Page.ContentAsync(), Does.Not.Contain("司马光明").And.Not.Contain("13700001111"));
        var cardFile = Path.Combine(ScreenshotDirectory, "card-printed.png");
        await printed.ScreenshotAsync(new() { Path = cardFile });
        var decoded = await Zbar.DecodeAsync(cardFile);
        Assert.That(decoded, Has.Count.EqualTo(1));
        Assert.That(decoded[0], Does.StartWith(BaseUrl.ToString().TrimEnd('/') + "/c/"));
        Assert.That(ConsoleErrors, Is.Empty, "the QR image loads under the content security policy");

        // The resident: no sign-in, an old phone's width.
        await Page.Context.ClearCookiesAsync();
        await Page.SetViewportSizeAsync(360, 740);
        var response = await Page.GotoAsync(new Uri(decoded[0]).AbsolutePath);
        Assert.That(response!.Status, Is.EqualTo(200));
        Assert.That(await Page.Locator("[data-testid=masked-name]").InnerTextAsync(), Is.EqualTo("司*明 · 卡页-01"));
        Assert.That(await Page.Locator("[data-testid=available]").InnerTextAsync(), Is.EqualTo("0"));
        var width = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.That(width[0], Is.LessThanOrEqualTo(width[1]), "nothing scrolls sideways at phone width");
        var figure = await Page.Locator("[data-testid=available]").EvaluateAsync<string>("e => getComputedStyle(e).fontSize");
        Assert.That(double.Parse(figure.Replace("px", ""), CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(48), "the available points in very large type");
        await ScreenshotAsync("card-resident-phone");
    }

    [Test]
    public async Task A4Sheet_AfterTheBatchIssue_DecodesToExactlyTheGridsActiveCards()
    {
        var community = await DemoCommunityAsync();
        var grid = (await Cli(new AddGrid(community, "卡片测试组"))).Value!.GridId;
        for (var i = 1; i <= 9; i++)
        {
            await NewHouseholdAccountAsync(community, grid, $"卡组-{i:D2}", $"测试{i}号居民");
        }
        // A household outside the grid: the batch leaves it alone, the sheet does not show it.
        var outside = await NewHouseholdAccountAsync(community, null, "卡组外-01", "组外居民");
        await SignInAsync("committee");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "积分卡" }));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=grids] a", new() { HasText = "卡片测试组" }));
        Assert.That(await Page.Locator("[data-testid=printed-card]").CountAsync(), Is.Zero);

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=issue-missing]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.Contain("9"));
        Assert.That(await Page.Locator("[data-testid=a4]").CountAsync(), Is.EqualTo(2), "eight cards to a sheet");

        using var api = await CommitteeApiAsync();
        var sheet = await api.GetFromJsonAsync<JsonElement>($"/api/v1/communities/{community}/grids/{grid}/cards");
        var expected = sheet.GetProperty("cards").EnumerateArray().Select(c => c.GetProperty("url").GetString()!).ToList();
        Assert.That(expected, Has.Count.EqualTo(9));

        await Page.EmulateMediaAsync(new() { Media = Media.Print });
        await Page.Locator(".pcard-qr").Last.EvaluateAsync("img => img.complete || new Promise(r => img.onload = r)");
        var decoded = new List<string>();
        var sheets = Page.Locator("[data-testid=a4]");
        for (var i = 0; i < await sheets.CountAsync(); i++)
        {
            var file = Path.Combine(ScreenshotDirectory, $"card-a4-sheet-{i + 1}.png");
            Directory.CreateDirectory(ScreenshotDirectory);
            await sheets.Nth(i).ScreenshotAsync(new() { Path = file });
            decoded.AddRange(await Zbar.DecodeAsync(file));
        }
        Assert.That(decoded, Is.EquivalentTo(expected));
        Assert.That(await Page.Locator(".no-print").IsVisibleAsync(), Is.False, "the buttons do not print");
        Assert.That(ConsoleErrors, Is.Empty);
        using var outsideCard = await api.GetAsync($"/api/v1/communities/{community}/accounts/{outside}/card");
        Assert.That((int)outsideCard.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task ACorrection_OnTheCardPage_StrikesTheEntryItUndid_AndSaysWhatItUndid_WithoutEntryNumbers()
    {
        var community = await DemoCommunityAsync();
        var account = await NewHouseholdAccountAsync(community, null, $"更正-{Guid.NewGuid():N}"[..8], "欧阳秀英");
        var ledger = App.Services.GetRequiredService<PointsBank.Ledger.PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community, PointsBank.Ledger.SystemAccount.Issuance))!.Value;
        var award = await ledger.PostAsync(new PointsBank.Ledger.LedgerEntry(community, PointsBank.Ledger.TransactionKind.Award,
            PointsBank.Ledger.Categories.GoodDeed, $"patrol-{Guid.NewGuid():N}", "参加治安巡防", "cli:test",
            [new PointsBank.Ledger.PostingLine(issuance, -10), new PointsBank.Ledger.PostingLine(account, 10)]));
        Assert.That(award.Error, Is.Null, award.Detail);
        var seq = award.Transaction!.Seq;
        var reversed = await Cli(new PointsBank.Features.Points.ReverseTransaction(community, seq, "记错了户", $"rev-{Guid.NewGuid():N}"));
        Assert.That(reversed.Failure, Is.Null, reversed.Failure?.Detail);
        var issued = await Cli(new PointsBank.Features.Cards.IssueCard(community, account));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);

        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync($"/c/{IssuedCards.TokenOf(issued.Value!)}");
        var entries = Page.Locator("[data-testid=entry]");
        Assert.That(await entries.CountAsync(), Is.EqualTo(2));
        // Newest first: the correction, worded by what it undid; then the award, struck through and marked 已更正.
        var day = award.Transaction.EffectiveDate!.Value;
        Assert.That(await entries.Nth(0).Locator("[data-testid=explanation]").InnerTextAsync(),
            Is.EqualTo($"更正：撤销 {day.Month}月{day.Day}日 参加治安巡防 +10（记错了户）"));
        Assert.That(await entries.Nth(0).Locator("[data-testid=corrected]").CountAsync(), Is.Zero);
        Assert.That(await entries.Nth(1).Locator("[data-testid=corrected]").InnerTextAsync(), Is.EqualTo("已更正"));
        Assert.That(await entries.Nth(1).Locator(".amount").EvaluateAsync<string>("e => getComputedStyle(e).textDecorationLine"), Is.EqualTo("line-through"));
        Assert.That(await entries.Nth(0).Locator(".amount").EvaluateAsync<string>("e => getComputedStyle(e).textDecorationLine"), Is.EqualTo("none"));
        Assert.That(await Page.Locator("[data-testid=entries]").InnerTextAsync(), Does.Not.Contain($"第 {seq} 笔").And.Not.Contain("更正第"));
        Assert.That(await Page.Locator("[data-testid=available]").InnerTextAsync(), Is.EqualTo("0"));
        await ScreenshotAsync("card-resident-correction");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteCardPagesTests() : CardPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCardPagesTests() : CardPagesTests(DatabaseProvider.SqlServer);
