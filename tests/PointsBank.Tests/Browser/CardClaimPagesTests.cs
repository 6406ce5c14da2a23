using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// A resident's claim through their card, in a real browser at an old phone's width: the card page's 申报 link, the
/// claim with the PIN (待审核), the reviewer approving it on the review page (公示中 on the resident's page), and a
/// neighbour objecting from their own card's 公示与异议 page; no full names of other households, no phone numbers.
/// </summary>
public abstract class CardClaimPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = AppFactory.DemoPasswordSuffix;

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("claims-browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>A household with a member and a phone number, its account, and a card with a PIN; the card's path.</summary>
    private async Task<string> ResidentWithCardAsync(long community, string code, string name, string pin)
    {
        var household = (await Cli(new AddHousehold(community, null, code))).Value!.HouseholdId;
        Assert.That((await Cli(new AddResident(community, household, name, "13912345678"))).Failure, Is.Null);
        var account = (await Cli(new OpenAccount(community, "household", household))).Value!.AccountId;
        var card = (await Cli(new IssueCard(community, account))).Value!;
        Assert.That((await Cli(new SetCardPin(community, card.CardId, pin))).Failure, Is.Null);
        return new Uri(IssuedCards.UrlOf(card)).AbsolutePath;
    }

    private async Task AssertPhoneWidthAsync()
    {
        var width = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.That(width[0], Is.LessThanOrEqualTo(width[1]), $"nothing scrolls sideways at phone width on {CurrentPath}");
    }

    [Test]
    public async Task AResidentClaimsWithTheCard_TheReviewerApproves_AndANeighbourObjectsFromTheirOwnCard()
    {
        var community = await DemoCommunityAsync();
        var mine = await ResidentWithCardAsync(community, "申报-01", "欧阳春花", "2580");
        var neighbour = await ResidentWithCardAsync(community, "申报-02", "司徒建国", "1357");
        await Page.SetViewportSizeAsync(360, 740);

        // The resident: card page → 申报 → the form with the PIN → 待审核.
        await Page.GotoAsync(mine);
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("claims-card-page-links");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=claims-link]"));
        Assert.That(CurrentPath, Is.EqualTo(mine + "/claims"));
        Assert.That(await Page.Locator("#ruleCode option").AllInnerTextsAsync(), Has.Some.Contains("调解邻里矛盾纠纷"));
        Assert.That(await Page.Locator("#ruleCode option").AllInnerTextsAsync(), Has.None.Contains("参加治安巡防"), "only rules residents may claim");
        Assert.That(await Page.Locator("#memberId option").AllInnerTextsAsync(), Is.EqualTo(new[] { "欧*花" }));
        await Page.Locator("#ruleCode").SelectOptionAsync("mediation");
        await Page.Locator("#evidenceNote").FillAsync("帮东西两邻调解了宅基地纠纷，村民组长可作证");
        await Page.Locator("#pin").FillAsync("0000");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit-claim]"));
        Assert.That(await Page.Locator("[data-testid=refusal]").InnerTextAsync(), Does.StartWith("密码不对，还可以再试"));
        Assert.That(await Page.Locator("#evidenceNote").InputValueAsync(), Does.StartWith("帮东西两邻"), "what was typed stays");
        await Page.Locator("#pin").FillAsync("2580");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=submit-claim]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已提交申报 #"));
        var claim = await Page.Locator("[data-testid^=my-claim-]").First.GetAttributeAsync("data-testid");
        var id = claim!["my-claim-".Length..];
        Assert.That(await Page.Locator($"[data-testid=status-{id}]").InnerTextAsync(), Is.EqualTo("待审核"));
        Assert.That(await Page.ContentAsync(), Does.Not.Contain("欧阳春花").And.Not.Contain("13912345678").And.Not.Contain("2580"));
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("claims-resident-submitted");

        // The reviewer approves it on the review page, on a phone: whose claim it is by the household's code, and who
        // submitted it in words (the resident with their card; a staff user by their display name), never a raw id.
        long staffClaim;
        string committeeName;
        await using (var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync())
        {
            var account = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, """
                SELECT a.id FROM accounts a JOIN households h ON h.id = a.household_id WHERE h.community_id = @community AND h.code = @code
                """, new { community, code = "申报-02" });
            var committeeId = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT id FROM users WHERE username = 'committee'");
            committeeName = await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT display_name FROM users WHERE username = 'committee'") ?? "";
            using var scope = App.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.User(committeeId, "committee", [new RoleGrant(community, Role.Committee)]);
            var submitted = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SubmitClaim(community, account, null, "mediation", null,
                DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1)), "两委代为申报：调解纠纷"));
            Assert.That(submitted.Failure, Is.Null);
            staffClaim = submitted.Value!.Id;
        }
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("reviewer", "reviewer" + Suffix);
        await Page.GotoAsync($"/claims/{community}");
        var queued = Page.Locator($"[data-testid=claim-{id}]");
        await Assertions.Expect(queued.Locator($"[data-testid=whose-{id}]")).ToContainTextAsync("户号：申报-01");
        await Assertions.Expect(queued.Locator($"[data-testid=whose-{id}]")).ToContainTextAsync("本人：欧*花");
        await Assertions.Expect(queued.Locator($"[data-testid=submitter-{id}]")).ToContainTextAsync("提交人：居民本人（刷卡申报）");
        await Assertions.Expect(Page.Locator($"[data-testid=whose-{staffClaim}]")).ToContainTextAsync("户号：申报-02");
        await Assertions.Expect(Page.Locator($"[data-testid=submitter-{staffClaim}]")).ToContainTextAsync("提交人：" + committeeName);
        var queueText = await Page.InnerTextAsync("main");
        Assert.That(queueText, Does.Not.Contain("card:").And.Not.Contain("user:committee").And.Not.Contain("欧阳春花"));
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("claims-review-queue-phone");
        await queued.Locator($"#note-{id}").FillAsync("经村民组长核实");
        await ClickAndWaitForPageAsync(queued.Locator("form[action*=Approve] button[type=submit]"));
        Assert.That(await Page.Locator($"[data-testid=noticed-{id}]").CountAsync(), Is.EqualTo(1));
        await Page.Context.ClearCookiesAsync();

        // The resident sees 公示中 until the window closes.
        await Page.SetViewportSizeAsync(360, 740);
        await Page.GotoAsync(mine + "/claims");
        Assert.That(await Page.Locator($"[data-testid=status-{id}]").InnerTextAsync(), Does.StartWith("公示中，至 20"));
        Assert.That(await Page.Locator($"[data-testid=withdraw-open-{id}]").CountAsync(), Is.EqualTo(1), "it can still be withdrawn");
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("claims-resident-noticed");

        // A neighbour objects from their own card's page.
        await Page.GotoAsync(neighbour);
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=notices-link]"));
        var notice = Page.Locator($"[data-testid=notice-{id}]");
        Assert.That(await notice.InnerTextAsync(), Does.Contain("欧*花").And.Contain("申报-01").And.Contain("调解邻里矛盾纠纷"));
        await notice.Locator($"[data-testid=object-open-{id}]").ClickAsync();
        await notice.Locator($"#reason-{id}").FillAsync("那天两家并没有和解，还在吵");
        await notice.Locator($"#pin-{id}").FillAsync("1357");
        await AssertPhoneWidthAsync();
        await ScreenshotAsync("claims-neighbour-objecting");
        await ClickAndWaitForPageAsync(notice.Locator($"[data-testid=object-{id}]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.Contain($"#{id}"));
        Assert.That(await Page.Locator($"[data-testid=notice-{id}]").InnerTextAsync(), Does.Contain("已有异议，待处理"));
        Assert.That(await Page.ContentAsync(), Does.Not.Contain("欧阳春花").And.Not.Contain("司徒建国").And.Not.Contain("13912345678"));
        await ScreenshotAsync("claims-neighbour-objected");
        Assert.That(ConsoleErrors, Is.Empty);

        var objector = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        await using (objector)
        {
            var by = await Dapper.SqlMapper.ExecuteScalarAsync<string>(objector, "SELECT by_actor FROM claim_objections WHERE claim_id = @id", new { id = long.Parse(id, System.Globalization.CultureInfo.InvariantCulture) });
            Assert.That(by, Does.StartWith("card:"));
        }
    }
}

[TestFixture]
public sealed class SqliteCardClaimPagesTests() : CardClaimPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCardClaimPagesTests() : CardClaimPagesTests(DatabaseProvider.SqlServer);
