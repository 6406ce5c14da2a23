using Dapper;
using PointsBank.Data;
using PointsBank.Features.Claims;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Jobs;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Features.Policy;
using PointsBank.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace PointsBank.Tests.Features.Claims;

/// <summary>
/// Claims (申报 → 审核 → 公示 → 入账) through the real pipeline: dual control on review, the 公示 window, objections
/// and their decisions, and the background job that posts a claim exactly once however many runners there are.
/// </summary>
public abstract class ClaimsTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;
    private long _account;
    private long _member;

    private Caller Inspector => Acting.As(Role.Inspector, _community.Id, userId: 11);
    private Caller Reviewer => Acting.As(Role.Reviewer, _community.Id, userId: 12);
    private Caller Committee => Acting.As(Role.Committee, _community.Id, userId: 13);

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync();
        (_account, _member) = await _community.NewHouseholdAccountAsync();
    }

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private DateOnly Yesterday => DateOnly.FromDateTime(_db.Clock.GetUtcNow().UtcDateTime.AddHours(8)).AddDays(-1);

    private async Task SetNoticeDaysAsync(int days)
    {
        var policy = (await _db.Mediator.Send(new GetPolicy(_community.Id))).Value!;
        Assert.That((await _db.Mediator.Send((policy with { NoticeDays = days }).Replacing(_community.Id))).Failure, Is.Null);
    }

    /// <summary>A claim for 调解邻里矛盾纠纷 (a fixed 10 points that needs review), submitted by <paramref name="by"/>.</summary>
    private async Task<ClaimView> SubmitAsync(Caller? by = null)
    {
        var submitted = await _db.SendAs(by ?? Inspector, new SubmitClaim(_community.Id, _account, _member, "mediation", null, Yesterday, "调解了两户的宅基地纠纷"));
        Assert.That(submitted.Failure, Is.Null, submitted.Failure?.Detail);
        Assert.That(submitted.Value!.Status, Is.EqualTo(ClaimStatus.Submitted));
        return submitted.Value;
    }

    private async Task<ClaimView> ApprovedAsync()
    {
        var claim = await SubmitAsync();
        var approved = await _db.SendAs(Reviewer, new ApproveClaim(_community.Id, claim.Id, "属实"));
        Assert.That(approved.Failure, Is.Null, approved.Failure?.Detail);
        return approved.Value!;
    }

    private async Task<ClaimView> ClaimAsync(long id) =>
        (await _db.SendAs(Committee, new ListClaims(_community.Id))).Value!.Single(c => c.Id == id);

    private IJob Job => _db.Services.GetServices<IJob>().Single(j => j.Name == "post-due-claims");

    private Task<int> RunJobAsync() => JobRegistry.RunOnceAsync(_db.Services, Job, default);

    private async Task<long> BalanceAsync() => (await _community.BalanceAsync(_account)).Balance;

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, new { c = _community.Id });
    }

    [Test]
    public async Task AReviewer_CannotApproveOrRejectTheirOwnClaim_AnotherReviewerCan()
    {
        var own = await SubmitAsync(Reviewer);

        var approve = Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Reviewer, new ApproveClaim(_community.Id, own.Id)));
        var reject = Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Reviewer, new RejectClaim(_community.Id, own.Id, "自己驳回")));
        var other = await _db.SendAs(Acting.As(Role.Reviewer, _community.Id, userId: 99), new ApproveClaim(_community.Id, own.Id));

        Assert.That((approve!.Code, reject!.Code), Is.EqualTo(("self_approval", "self_approval")));
        Assert.That(other.Value?.Status, Is.EqualTo(ClaimStatus.Noticed), other.Failure?.Detail);
        Assert.That(other.Value!.ReviewedBy, Is.EqualTo("user:reviewer"));
    }

    [Test]
    public async Task AnApprovedClaim_IsNoticed_ThenPostsOnce_WhenItsWindowCloses_EvenWhenTheJobRunsTwice()
    {
        var claim = await ApprovedAsync();
        Assert.That(claim.Status, Is.EqualTo(ClaimStatus.Noticed));
        Assert.That(claim.NoticeUntil, Is.EqualTo(_db.Clock.GetUtcNow().UtcDateTime.AddDays(3)), "the default 公示 window is 3 days");

        Assert.That(await RunJobAsync(), Is.EqualTo(0), "nothing posts during the window");
        Assert.That(await BalanceAsync(), Is.EqualTo(0));
        _db.Clock.Advance(TimeSpan.FromDays(3));
        var first = await RunJobAsync();
        var second = await RunJobAsync();

        Assert.That((first, second), Is.EqualTo((1, 0)));
        Assert.That(await BalanceAsync(), Is.EqualTo(10));
        var posted = await ClaimAsync(claim.Id);
        Assert.That(posted.Status, Is.EqualTo(ClaimStatus.Posted));
        Assert.That(posted.PostedSeq, Is.Not.Null);
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c AND idempotency_key = 'claim-" + claim.Id + "'"), Is.EqualTo(1));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task FourJobRunnersAtOnce_PostEachDueClaimOnce()
    {
        var claims = new List<ClaimView>();
        for (var i = 0; i < 5; i++)
        {
            claims.Add(await ApprovedAsync());
        }
        _db.Clock.Advance(TimeSpan.FromDays(3));

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(RunJobAsync)));

        Assert.That(runs.Sum(), Is.EqualTo(5));
        Assert.That(await BalanceAsync(), Is.EqualTo(50));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM claims WHERE community_id = @c AND status = 'posted' AND posted_seq IS NOT NULL"), Is.EqualTo(5));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task WithA0DayWindow_AClaimPostsOnApproval()
    {
        await SetNoticeDaysAsync(0);
        var claim = await SubmitAsync();

        var approved = await _db.SendAs(Reviewer, new ApproveClaim(_community.Id, claim.Id));

        Assert.That(approved.Value?.Status, Is.EqualTo(ClaimStatus.Posted), approved.Failure?.Detail);
        Assert.That(approved.Value!.PostedSeq, Is.Not.Null);
        Assert.That(await BalanceAsync(), Is.EqualTo(10));
        Assert.That(await RunJobAsync(), Is.EqualTo(0), "nothing is left for the job");
        Assert.That(await BalanceAsync(), Is.EqualTo(10));
    }

    [Test]
    public async Task ASustainedObjection_StopsThePosting_AndRecordsTheDecisionAndReason()
    {
        var claim = await ApprovedAsync();
        var objection = await _db.SendAs(Inspector, new ObjectToClaim(_community.Id, claim.Id, "当天两户并未和解"));
        Assert.That(objection.Failure, Is.Null, objection.Failure?.Detail);

        var decided = await _db.SendAs(Committee, new DecideObjection(_community.Id, objection.Value!.Id, true, "经走访核实，纠纷仍在"));
        _db.Clock.Advance(TimeSpan.FromDays(4));
        var posted = await RunJobAsync();

        Assert.That(decided.Value?.Decision, Is.EqualTo("sustained"), decided.Failure?.Detail);
        Assert.That((decided.Value!.DecidedBy, decided.Value.DecisionReason), Is.EqualTo(("user:committee", "经走访核实，纠纷仍在")));
        Assert.That(posted, Is.EqualTo(0));
        Assert.That(await BalanceAsync(), Is.EqualTo(0));
        var stopped = await ClaimAsync(claim.Id);
        Assert.That(stopped.Status, Is.EqualTo(ClaimStatus.Objected));
        Assert.That(stopped.Objections.Single().Reason, Is.EqualTo("当天两户并未和解"));
        Assert.That(stopped.Objections.Single().ByActor, Is.EqualTo("user:inspector"));
        var again = await _db.SendAs(Committee, new DecideObjection(_community.Id, objection.Value.Id, false, "改判"));
        Assert.That(again.Failure?.Code, Is.EqualTo("objection_decided"));
    }

    [Test]
    public async Task APendingObjection_HoldsThePosting_AndADismissedOneLetsItPost()
    {
        var claim = await ApprovedAsync();
        var objection = await _db.SendAs(Inspector, new ObjectToClaim(_community.Id, claim.Id, "不清楚是否属实"));
        _db.Clock.Advance(TimeSpan.FromDays(4));

        Assert.That(await RunJobAsync(), Is.EqualTo(0), "an undecided objection holds the posting");
        var late = await _db.SendAs(Inspector, new ObjectToClaim(_community.Id, claim.Id, "窗口已过"));
        Assert.That(late.Failure?.Code, Is.EqualTo("claim_not_in_notice"));
        var dismissed = await _db.SendAs(Committee, new DecideObjection(_community.Id, objection.Value!.Id, false, "双方确认已调解"));
        Assert.That(dismissed.Value?.Decision, Is.EqualTo("dismissed"), dismissed.Failure?.Detail);

        Assert.That(await RunJobAsync(), Is.EqualTo(1));
        Assert.That(await BalanceAsync(), Is.EqualTo(10));
        Assert.That((await ClaimAsync(claim.Id)).Status, Is.EqualTo(ClaimStatus.Posted));
    }

    [Test]
    public async Task ARejection_RecordsTheReason_AndNothingPosts()
    {
        var claim = await SubmitAsync();

        var rejected = await _db.SendAs(Reviewer, new RejectClaim(_community.Id, claim.Id, "缺少调解协议书"));
        var approveAfter = await _db.SendAs(Committee, new ApproveClaim(_community.Id, claim.Id));
        _db.Clock.Advance(TimeSpan.FromDays(10));

        Assert.That(rejected.Value?.Status, Is.EqualTo(ClaimStatus.Rejected), rejected.Failure?.Detail);
        Assert.That((rejected.Value!.ReviewNote, rejected.Value.ReviewedBy), Is.EqualTo(("缺少调解协议书", "user:reviewer")));
        Assert.That(approveAfter.Failure?.Code, Is.EqualTo("claim_not_pending"));
        Assert.That(await RunJobAsync(), Is.EqualTo(0));
        Assert.That(await BalanceAsync(), Is.EqualTo(0));
    }

    [Test]
    public async Task TheSubmitter_WithdrawsANoticedClaim_WithAReason_AndItNeverPosts()
    {
        var claim = await ApprovedAsync();

        var withdrawn = await _db.SendAs(Inspector, new WithdrawClaim(_community.Id, claim.Id, "当事人说不需要加分"));
        var again = await _db.SendAs(Inspector, new WithdrawClaim(_community.Id, claim.Id, "再撤一次"));
        _db.Clock.Advance(TimeSpan.FromDays(3));

        Assert.That(withdrawn.Value?.Status, Is.EqualTo(ClaimStatus.Withdrawn), withdrawn.Failure?.Detail);
        Assert.That((withdrawn.Value!.WithdrawnBy, withdrawn.Value.WithdrawReason), Is.EqualTo(("user:inspector", "当事人说不需要加分")));
        Assert.That(withdrawn.Value.WithdrawnAt, Is.EqualTo(_db.Clock.GetUtcNow().UtcDateTime.AddDays(-3)));
        Assert.That(again.Failure?.Code, Is.EqualTo("claim_not_withdrawable"));
        Assert.That(await RunJobAsync(), Is.EqualTo(0), "a withdrawn claim is not posted when its window closes");
        Assert.That(await BalanceAsync(), Is.EqualTo(0));
        Assert.That((await ClaimAsync(claim.Id)).Status, Is.EqualTo(ClaimStatus.Withdrawn));
    }

    [Test]
    public async Task OnlyTheSubmitterOrTheCommittee_MayWithdraw_AndAPostedClaimCannotBe()
    {
        var claim = await SubmitAsync();
        var otherInspector = Acting.As(Role.Inspector, _community.Id, userId: 77);

        var byOther = await _db.SendAs(otherInspector, new WithdrawClaim(_community.Id, claim.Id, "不是我的"));
        var byReviewer = await _db.SendAs(Reviewer, new WithdrawClaim(_community.Id, claim.Id, "评议员撤回"));
        Assert.That((byOther.Failure?.Code, byReviewer.Failure?.Code), Is.EqualTo(("forbidden", "forbidden")));
        Assert.That((await ClaimAsync(claim.Id)).Status, Is.EqualTo(ClaimStatus.Submitted), "a refused withdrawal changes nothing");

        var byCommittee = await _db.SendAs(Committee, new WithdrawClaim(_community.Id, claim.Id, "居民本人来村委会要求撤回"));
        Assert.That(byCommittee.Value?.Status, Is.EqualTo(ClaimStatus.Withdrawn), byCommittee.Failure?.Detail);

        await SetNoticeDaysAsync(0);
        var posted = await ApprovedAsync();
        Assert.That(posted.Status, Is.EqualTo(ClaimStatus.Posted));
        var late = await _db.SendAs(Inspector, new WithdrawClaim(_community.Id, posted.Id, "太晚了"));
        Assert.That(late.Failure?.Code, Is.EqualTo("claim_not_withdrawable"));
        Assert.That(await BalanceAsync(), Is.EqualTo(10));
    }

    [Test]
    public async Task AClaimTheRuleRefusesWhenItsWindowCloses_StaysNoticed_WithTheReason_AndIsNotRetried()
    {
        // 参加治安巡防: at most once a day. Two claims for the same day: the first posts, the second is refused.
        var first = await _db.SendAs(Inspector, new SubmitClaim(_community.Id, _account, _member, "security_patrol", null, Yesterday, "夜间巡防"));
        var second = await _db.SendAs(Inspector, new SubmitClaim(_community.Id, _account, _member, "security_patrol", null, Yesterday, "夜间巡防（重复）"));
        await _db.SendAs(Reviewer, new ApproveClaim(_community.Id, first.Value!.Id));
        await _db.SendAs(Reviewer, new ApproveClaim(_community.Id, second.Value!.Id));
        _db.Clock.Advance(TimeSpan.FromDays(3));

        Assert.That(await RunJobAsync(), Is.EqualTo(1));
        Assert.That(await RunJobAsync(), Is.EqualTo(0), "a refused claim is not tried again at every tick");

        Assert.That(await BalanceAsync(), Is.EqualTo(10));
        var refused = await ClaimAsync(second.Value.Id);
        Assert.That((refused.Status, refused.PostedSeq), Is.EqualTo((ClaimStatus.Noticed, (long?)null)));
        Assert.That(refused.PostFailure, Does.StartWith("rule_refused"));
    }

    [Test]
    public async Task AClaimForSomeoneNotOfTheAccount_IsRefused()
    {
        var (_, stranger) = await _community.NewHouseholdAccountAsync();

        var refused = await _db.SendAs(Inspector, new SubmitClaim(_community.Id, _account, stranger, "mediation", null, Yesterday, "调解"));

        Assert.That(refused.Failure?.Code, Is.EqualTo("resident_not_found"));
    }

    [Test]
    public async Task TheList_NamesTheHouseholdsCode_APersonAccountsHolder_MaskedForTheReviewer_AndTheStaffSubmittersDisplayName()
    {
        var community = await _db.NewCommunityAsync(accountMode: "person");
        var code = $"二组-{Guid.NewGuid():N}"[..10];
        var household = (await _db.Mediator.Send(new PointsBank.Features.Communities.AddHousehold(community.Id, null, code))).Value!.HouseholdId;
        var holder = (await _db.Mediator.Send(new PointsBank.Features.Communities.AddResident(community.Id, household, "上官婉儿"))).Value!.ResidentId;
        var opened = await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(community.Id, "person", holder));
        Assert.That(opened.Failure, Is.Null, opened.Failure?.Detail);
        var username = $"u{Guid.NewGuid():N}"[..16];
        var user = await _db.Mediator.Send(new PointsBank.Features.Users.CreateUser(username, "孙网格员", "网格员的密码足够长"));
        Assert.That(user.Failure, Is.Null, user.Failure?.Detail);
        var inspector = Caller.User(user.Value!.UserId, username, [new RoleGrant(community.Id, Role.Inspector)]);
        var submitted = await _db.SendAs(inspector, new SubmitClaim(community.Id, opened.Value!.AccountId, null, "mediation", null, Yesterday, "调解纠纷"));
        Assert.That(submitted.Failure, Is.Null, submitted.Failure?.Detail);

        var reviewer = (await _db.SendAs(Acting.As(Role.Reviewer, community.Id), new ListClaims(community.Id))).Value!.Single();
        var committee = (await _db.SendAs(Acting.As(Role.Committee, community.Id), new ListClaims(community.Id))).Value!.Single();

        Assert.That((reviewer.HouseholdCode, reviewer.AccountHolderName, reviewer.MemberName), Is.EqualTo((code, "上*儿", (string?)null)));
        Assert.That(committee.AccountHolderName, Is.EqualTo("上官婉儿"), "the committee sees full names (PersonalData)");
        Assert.That(reviewer.SubmittedBy, Is.EqualTo($"user:{username}"));
        Assert.That(reviewer.ActorNames, Is.EqualTo(new Dictionary<string, string> { [$"user:{username}"] = "孙网格员" }));
        var ofHousehold = await SubmitAsync();
        Assert.That((await ClaimAsync(ofHousehold.Id)).HouseholdCode, Does.StartWith("h-"), "a household account's own household");
    }

    [Test]
    public async Task TheNoticesList_IsPublic_ShowsOnlyNoticedClaims_AndMasksNames()
    {
        var noticed = await ApprovedAsync();
        var pending = await SubmitAsync();

        var notices = await _db.SendAs(Caller.Anonymous, new ListNotices(_community.Id));
        var staff = await _db.SendAs(Reviewer, new ListClaims(_community.Id, ClaimStatus.Submitted));

        Assert.That(notices.Value!.Select(n => n.ClaimId), Is.EqualTo(new[] { noticed.Id }));
        var notice = notices.Value!.Single();
        Assert.That((notice.MemberName, notice.RuleNameZh), Is.EqualTo(("测*民", "调解邻里矛盾纠纷")));
        Assert.That(notice.NoticeUntil, Is.EqualTo(noticed.NoticeUntil));
        Assert.That(staff.Value!.Single().Id, Is.EqualTo(pending.Id));
        Assert.That(staff.Value!.Single().MemberName, Is.EqualTo("测*民"), "a reviewer may not see full names");
        Assert.That((await ClaimAsync(pending.Id)).MemberName, Is.EqualTo("测试居民"), "the committee may");
    }
}

[TestFixture]
public sealed class SqliteClaimsTests() : ClaimsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerClaimsTests() : ClaimsTests(DatabaseProvider.SqlServer);
