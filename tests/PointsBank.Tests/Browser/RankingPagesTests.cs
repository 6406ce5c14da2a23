using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The 积分光荣榜 in a real browser: the committee publishes from its page; the poster renders Chinese text with real
/// glyphs (not boxes) and its QR decodes (zbarimg) to the public page's URL; the public page and the card's proofs page
/// fit a phone.
/// </summary>
public abstract class RankingPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("rankings-browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>
    /// A new household with a member and account, awarded <paramref name="points"/> effective on the last day of last
    /// month (a month is published once it is over); returns the account and the award's month.
    /// </summary>
    private async Task<(long Account, string Month)> AwardedHouseholdAsync(long community, string code, long points)
    {
        var household = (await Cli(new AddHousehold(community, null, code))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(community, household, "光荣榜居民"))).Failure, Is.Null);
        var account = (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId;
        var ledger = App.Services.GetRequiredService<PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community, SystemAccount.Issuance))!.Value;
        var today = Projections.LocalDate(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
        var posted = await ledger.PostAsync(new LedgerEntry(community, TransactionKind.Award, Categories.GoodDeed, $"rk-{Guid.NewGuid():N}",
            "光荣榜测试", "cli:test", [new PostingLine(issuance, -points), new PostingLine(account, points)],
            EffectiveDate: new DateOnly(today.Year, today.Month, 1).AddDays(-1)));
        Assert.That(posted.Error, Is.Null, posted.Detail);
        return (account, Projections.Month(posted.Transaction!.EffectiveDate!.Value));
    }

    [Test]
    public async Task ThePoster_RendersChineseGlyphs_AndItsQrDecodesToThePublicPage()
    {
        var community = await DemoCommunityAsync();
        var (_, month) = await AwardedHouseholdAsync(community, $"榜-{Guid.NewGuid():N}"[..8], 88);
        var published = await Cli(new PublishRanking(community, month));
        Assert.That(published.Failure, Is.Null, published.Failure?.Detail);

        await Page.GotoAsync($"/p/{community}/rankings/{month}/poster?revision={published.Value!.Revision}");
        var shot = await ScreenshotAsync("ranking-poster");
        var qr = Path.Combine(ScreenshotDirectory, "ranking-poster-qr.png");
        await Page.Locator("[data-testid=qr]").ScreenshotAsync(new() { Path = qr });

        var publicUrl = $"{BaseUrl.ToString().TrimEnd('/')}/p/{community}/rankings/{month}";
        Assert.That(File.Exists(shot));
        Assert.That(await Zbar.DecodeAsync(qr), Is.EqualTo(new[] { publicUrl }));
        Assert.That(await Page.Locator("[data-testid=title]").InnerTextAsync(), Does.Contain("积分光荣榜"));
        Assert.That(await Page.Locator("[data-testid=root]").InnerTextAsync(), Is.EqualTo(published.Value.SnapshotHash));
        Assert.That(await Page.Locator("[data-testid=rows] tbody tr").CountAsync(), Is.GreaterThan(0));
        // Real glyphs, not the "missing glyph" box: drawn in the title's own font, two different Chinese characters
        // leave different ink, and each differs from a character no font has (which is drawn as that box).
        var glyphs = await Page.EvaluateAsync<bool[]>("""
            () => {
              const font = getComputedStyle(document.querySelector('[data-testid=title]')).font;
              const ink = ch => { const c = document.createElement('canvas'); c.width = 80; c.height = 80;
                const g = c.getContext('2d'); g.font = font.replace(/\d+(\.\d+)?px/, '60px'); g.fillText(ch, 5, 65);
                return Array.from(g.getImageData(0, 0, 80, 80).data).join(','); };
              const box = ink('\uE000'), a = ink('积'), b = ink('榜');
              return [a !== b, a !== box, b !== box, document.fonts.check('16px "Noto Sans CJK SC"', '积分光荣榜')];
            }
            """);
        Assert.That(glyphs, Is.EqualTo(new[] { true, true, true, true }), "distinct glyphs, none the missing-glyph box, and the CJK font present");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task TheCommittee_PublishesFromItsPage_ThePublicPageShowsIt_AndTheCardPageLinksTheProof()
    {
        var community = await DemoCommunityAsync();
        var (account, month) = await AwardedHouseholdAsync(community, $"证-{Guid.NewGuid():N}"[..8], 77);
        var card = await Cli(new IssueCard(community, account));
        Assert.That(card.Failure, Is.Null, card.Failure?.Detail);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + AppFactory.DemoPasswordSuffix);
        await WaitForPathAsync("/");

        await ClickAndWaitForPageAsync(Page.Locator("a", new() { HasText = "积分排行榜" }).First);
        Assert.That(CurrentPath, Is.EqualTo($"/rankings/{community}"));
        // The page says which month it shows and links the other (this month so far, or last month to publish).
        Assert.That(await Page.Locator("[data-testid=month-shown]").InnerTextAsync(), Does.Contain("正在看"));
        var thisMonth = Projections.Month(DateTime.UtcNow, Projections.Zone("Asia/Shanghai"));
        await Page.GotoAsync($"/rankings/{community}?month={thisMonth}");
        // This month is not over: its ranking so far, and no button to publish it.
        Assert.That(await Page.Locator("[data-testid=not-over]").InnerTextAsync(), Does.Contain("还没有结束"));
        Assert.That(await Page.Locator("[data-testid=publish]").CountAsync(), Is.Zero);
        await Page.Locator("[data-testid=month]").FillAsync(month);
        await ClickAndWaitForPageAsync(Page.Locator("button", new() { HasText = "查看" }));
        Assert.That(await Page.Locator("[data-testid=live]").InnerTextAsync(), Does.Contain("77"));
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=publish]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.Contain("已公布"));
        var revision = (await Cli(new ListRankingRevisions(community, month))).Value!.First();
        await ClickAndWaitForPageAsync(Page.Locator($"[data-testid=verify-{revision.Revision}]"));
        Assert.That(await Page.Locator("[data-testid=verified]").InnerTextAsync(), Does.Contain("与账本一致"));
        await ScreenshotAsync("ranking-committee");

        await Page.SetViewportSizeAsync(360, 740);
        await Page.GotoAsync($"/p/{community}/rankings/{month}");
        Assert.That(await Page.Locator("[data-testid=root-short]").InnerTextAsync(), Is.EqualTo($"{revision.SnapshotHash[..8]}…{revision.SnapshotHash[^8..]}"),
            "a short check code to compare by eye");
        Assert.That(await Page.Locator("[data-testid=root]").IsHiddenAsync(), Is.True, "the whole hash is folded away");
        await Page.Locator("[data-testid=proof] summary").ClickAsync();
        Assert.That(await Page.Locator("[data-testid=root]").InnerTextAsync(), Is.EqualTo(revision.SnapshotHash));
        Assert.That(await Page.Locator("[data-testid=board]").InnerTextAsync(), Does.Not.Contain("docs/rankings.md").And.Not.Contain("默克尔根"),
            "no repository path, no jargon as the label");
        Assert.That(await Page.Locator("[data-testid=deductions]").CountAsync(), Is.Zero, "the 红黑榜 is off by default");
        var width = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.That(width[0], Is.LessThanOrEqualTo(width[1]), "the public page does not scroll sideways on a phone");
        await ScreenshotAsync("ranking-public-phone");

        // The 红黑榜 switched on (as the policy page would): a deduction of that month is listed under the board, live.
        var policy = (await Cli(new PointsBank.Features.Policy.GetPolicy(community))).Value!;
        Assert.That((await Cli(new PointsBank.Features.Policy.UpdatePolicy(community, policy.AccountMode, policy.NoticeDays, policy.PenaltyPolicy,
            policy.YearEnd, policy.YearEndBase == 0 ? null : policy.YearEndBase, policy.YuanPerPoint, policy.BackdateDays, policy.TransfersAllowed,
            policy.TransferScope, RedBlackBoard: true))).Failure, Is.Null);
        try
        {
            var ledger = App.Services.GetRequiredService<PointsLedger>();
            var penalty = (await ledger.SystemAccountIdAsync(community, SystemAccount.Penalty))!.Value;
            var lastDay = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).AddMonths(1).AddDays(-1);
            Assert.That((await ledger.PostAsync(new LedgerEntry(community, TransactionKind.Deduct, Categories.Deduction, $"rk-{Guid.NewGuid():N}",
                "乱扔垃圾", "cli:test", [new PostingLine(account, -6), new PostingLine(penalty, 6)], EffectiveDate: lastDay))).Error, Is.Null);
            await Page.ReloadAsync();
            Assert.That(await Page.Locator("[data-testid=deductions-title]").InnerTextAsync(), Does.Contain("红黑榜"));
            Assert.That(await Page.Locator("[data-testid=deductions]").InnerTextAsync(), Does.Contain("6"));
            width = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            Assert.That(width[0], Is.LessThanOrEqualTo(width[1]), "nor with the deductions list");
            await ScreenshotAsync("ranking-public-red-black-phone");
            await Page.SetViewportSizeAsync(1000, 1400);
            await Page.GotoAsync($"/p/{community}/rankings/{month}/poster");
            Assert.That(await Page.Locator("[data-testid=deductions]").InnerTextAsync(), Does.Contain("6"));
            await ScreenshotAsync("ranking-poster-red-black");
            await Page.SetViewportSizeAsync(360, 740);
        }
        finally
        {
            Assert.That((await Cli(new PointsBank.Features.Policy.UpdatePolicy(community, policy.AccountMode, policy.NoticeDays, policy.PenaltyPolicy,
                policy.YearEnd, policy.YearEndBase == 0 ? null : policy.YearEndBase, policy.YuanPerPoint, policy.BackdateDays, policy.TransfersAllowed,
                policy.TransferScope, RedBlackBoard: false))).Failure, Is.Null);
        }

        var token = App.Services.GetRequiredService<CardLinks>().Unseal(await SealedTokenAsync(account));
        await Page.GotoAsync($"/c/{token}");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=rankings-link]"));
        Assert.That(await Page.Locator("[data-testid=proof]").First.Locator("[data-testid=checks]").InnerTextAsync(), Is.EqualTo("核对通过"));
        Assert.That(await Page.Locator("[data-testid=proof]").First.Locator("[data-testid=root]").IsHiddenAsync(), Is.True, "the hashes are folded away");
        await Page.Locator("[data-testid=proof]").First.Locator("summary").ClickAsync();
        Assert.That(await Page.Locator("[data-testid=proof]").First.Locator("[data-testid=root]").InnerTextAsync(), Is.EqualTo(revision.SnapshotHash),
            "the hashes are there for whoever opens 核对用的数据");
        width = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.That(width[0], Is.LessThanOrEqualTo(width[1]), "the proofs page does not scroll sideways on a phone");
        await ScreenshotAsync("ranking-card-proofs-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task ThePublicBoard_FitsA390PxPhone_EveryColumnReadable_VolunteerHoursWithTheirDecimal()
    {
        var community = await DemoCommunityAsync();
        var (account, month) = await AwardedHouseholdAsync(community, $"宽-{Guid.NewGuid():N}"[..8], 66);
        // 150 volunteer minutes in the same month: 2.5 hours on every ranking page.
        var ledger = App.Services.GetRequiredService<PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community, SystemAccount.Issuance))!.Value;
        var lastDay = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).AddMonths(1).AddDays(-1);
        Assert.That((await ledger.PostAsync(new LedgerEntry(community, TransactionKind.Award, Categories.Volunteer, $"rk-{Guid.NewGuid():N}",
            "志愿服务", "cli:test", [new PostingLine(issuance, -1), new PostingLine(account, 1)], EffectiveDate: lastDay, Minutes: 150))).Error, Is.Null);
        var published = await Cli(new PublishRanking(community, month));
        Assert.That(published.Failure, Is.Null, published.Failure?.Detail);

        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync($"/p/{community}/rankings/{month}");

        // Neither the page nor a table's own box scrolls sideways: a table wider than its box hides its last column.
        var overflow = await Page.EvaluateAsync<int[]>("""
            () => [document.documentElement.scrollWidth - window.innerWidth,
                   ...Array.from(document.querySelectorAll('[data-testid=board] .table-scroll')).map(b => b.scrollWidth - b.clientWidth)]
            """);
        Assert.That(overflow, Is.All.LessThanOrEqualTo(0), "no sideways scroll at 390 px (page, then each table box)");
        var row = Page.Locator("[data-testid=rows] tbody tr", new() { HasText = "67" }).Filter(new() { HasText = "2.5" });
        Assert.That(await row.CountAsync(), Is.EqualTo(1), "the household's row shows 67 points and 2.5 volunteer hours");
        var fits = await row.EvaluateAsync<bool>("""
            tr => { const box = tr.closest('.table-scroll').getBoundingClientRect();
                    return Array.from(tr.cells).every(c => c.getBoundingClientRect().right <= box.right + 0.5 && c.scrollWidth <= c.clientWidth); }
            """);
        Assert.That(fits, Is.True, "every cell of the row is inside the visible box and not cut off");
        await ScreenshotAsync("ranking-public-390");

        // The committee's own page on a phone: its live table (two columns more) fits too, volunteer hours included.
        await Page.GotoAsync("/");
        await SubmitSignInAsync("committee", "committee" + AppFactory.DemoPasswordSuffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync($"/rankings/{community}?month={month}");
        var live = Page.Locator("[data-testid=live] tbody tr", new() { HasText = "67" }).Filter(new() { HasText = "2.5" });
        Assert.That(await live.CountAsync(), Is.EqualTo(1), "the committee's live row shows 67 points and 2.5 volunteer hours");
        var liveFits = await live.EvaluateAsync<bool>("""
            tr => { const box = (tr.closest('.table-scroll') ?? tr.closest('table').parentElement).getBoundingClientRect();
                    return document.documentElement.scrollWidth <= window.innerWidth
                        && Array.from(tr.cells).every(c => c.getBoundingClientRect().right <= box.right + 0.5 && c.scrollWidth <= c.clientWidth); }
            """);
        await ScreenshotAsync("ranking-committee-390");
        Assert.That(liveFits, Is.True, "every cell of the committee's live row is inside its box at 390 px: " + await live.EvaluateAsync<string>("""
            tr => document.documentElement.scrollWidth + ' ' + JSON.stringify((tr.closest('.table-scroll') ?? tr.closest('table').parentElement).getBoundingClientRect())
                + ' ' + Array.from(tr.cells).map(c => Math.round(c.getBoundingClientRect().right) + '/' + c.scrollWidth + '/' + c.clientWidth).join(' ')
            """));
        Assert.That(ConsoleErrors, Is.Empty);
    }

    private async Task<string> SealedTokenAsync(long account)
    {
        await using var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT token_sealed FROM cards WHERE account_id = @account AND status = 'active'", new { account }) ?? "";
    }
}

[TestFixture]
public sealed class SqliteRankingPagesTests() : RankingPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRankingPagesTests() : RankingPagesTests(DatabaseProvider.SqlServer);
