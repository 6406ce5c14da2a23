using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Features.Policy;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Points;

public abstract class AwardPointsTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task Create()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync();
    }

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    /// <summary>An award of <paramref name="points"/> by a fixed test rule without limits (<see cref="TestRules"/>).</summary>
    private async Task<AwardPoints> AwardAsync(long account, long points, string key, long? member = null) =>
        new(_community.Id, account, null, null, null, member, key, RuleCode: await TestRules.AwardAsync(_db.Services, _community.Id, points));

    private async Task<long> EntriesAsync() =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id}"));

    [Test]
    public async Task AnAwardOrDeductionWithoutARule_IsRefused_RuleRequired_AndChangesNothing()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 20));
        var entries = await EntriesAsync();

        var award = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, null, null, member, "no-rule-1"));
        var deduction = await _db.Mediator.Send(new DeductPoints(_community.Id, account, 5, null, null, member, "no-rule-2"));
        var bare = await _db.Mediator.Send(new AwardPoints(_community.Id, account, null, null, null, null, "no-rule-3"));
        var withReason = Assert.ThrowsAsync<PointsBank.Infrastructure.RequestValidationException>(() =>
            _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, "好人好事", "good_deed", null, "no-rule-4")));

        Assert.That((award.Failure?.Code, deduction.Failure?.Code, bare.Failure?.Code), Is.EqualTo(("rule_required", "rule_required", "rule_required")));
        Assert.That(withReason!.Errors.Select(e => e.Field), Is.EquivalentTo(new[] { "reason", "category" }), "a free reason and category are not an entry's explanation");
        Assert.That(await EntriesAsync(), Is.EqualTo(entries));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(20));
    }

    [Test]
    public async Task ExplicitPoints_UnderARuleThatGivesItsOwnPoints_AreRefused_AndChangeNothing()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var entries = await EntriesAsync();

        var fixedRule = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 50, null, null, null, "fixed-50", RuleCode: "public_labour"));
        var graded = await _db.Mediator.Send(new AwardPoints(_community.Id, account, null, null, null, null, "graded-amount", RuleCode: "waste_sorting",
            Facts: new PointsBank.Rules.RuleFacts(Grade: "优", Amount: 50)));
        var deduction = await _db.Mediator.Send(new DeductPoints(_community.Id, account, 1, null, null, null, "deduct-1", RuleCode: "littering",
            EvidenceNote: "照片"));

        Assert.That((fixedRule.Failure?.Code, graded.Failure?.Code, deduction.Failure?.Code),
            Is.EqualTo(("points_not_allowed", "points_not_allowed", "points_not_allowed")));
        Assert.That(await EntriesAsync(), Is.EqualTo(entries));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
    }

    [Test]
    public async Task ADiscretionaryAmountWithinTheRange_BecomesAClaim_ThatItsSubmitterCannotApprove_AndPostsOnceASecondPersonApprovesIt()
    {
        // 拾金不昧: the committee names +5 to +10, and a second person approves it. The award becomes that claim.
        var (account, member) = await _community.NewHouseholdAccountAsync();
        var policy = (await _db.Mediator.Send(new PointsBank.Features.Policy.GetPolicy(_community.Id))).Value!;
        Assert.That((await _db.Mediator.Send((policy with { NoticeDays = 0 }).Replacing(_community.Id))).Failure, Is.Null);
        var committee = PointsBank.Tests.Features.Communities.Acting.As(PointsBank.Identity.Role.Committee, _community.Id, userId: 21);
        var reviewer = PointsBank.Tests.Features.Communities.Acting.As(PointsBank.Identity.Role.Reviewer, _community.Id, userId: 22);
        var yesterday = DateOnly.FromDateTime(_db.Clock.GetUtcNow().UtcDateTime.AddHours(8)).AddDays(-1);
        var entries = await EntriesAsync();

        var outOfRange = await _db.SendAs(committee, new AwardPoints(_community.Id, account, 50, null, null, member, "lost-50", RuleCode: "lost_property",
            EvidenceNote: "归还村民钱包"));
        var claimsAfterRefusal = await ClaimsAsync(account);
        var award = await _db.SendAs(committee, new AwardPoints(_community.Id, account, 8, null, null, member, "lost-1", yesterday, RuleCode: "lost_property",
            EvidenceNote: "归还村民钱包，内有现金 600 元"));
        var again = await _db.SendAs(committee, new AwardPoints(_community.Id, account, 8, null, null, member, "lost-1", yesterday, RuleCode: "lost_property",
            EvidenceNote: "归还村民钱包，内有现金 600 元"));
        var fixedAmount = await _db.SendAs(committee, new PointsBank.Features.Claims.SubmitClaim(_community.Id, account, member, "mediation",
            new PointsBank.Rules.RuleFacts(Amount: 8), yesterday, "调解纠纷"));

        Assert.That(outOfRange.Failure?.Code, Is.EqualTo("rule_refused"), "5 to 10 only: refused now, not after a review");
        Assert.That(claimsAfterRefusal, Is.Zero);
        Assert.That(award.Failure, Is.Null, award.Failure?.Detail);
        var claim = award.Value!.Claim!;
        Assert.That(award.Value.Transaction, Is.Null, "nothing posts before the review");
        Assert.That((claim.Status, claim.Claim.Facts.Amount, claim.Claim.MemberId, claim.Claim.OccurredOn, claim.Claim.SubmittedBy),
            Is.EqualTo(("submitted", (long?)8, (long?)member, yesterday, committee.Actor)));
        Assert.That(claim.Explanation, Does.Contain($"已提交申报，等待审核（第 {claim.ClaimId} 号）"));
        Assert.That((again.Value!.Claim!.ClaimId, again.Value.Replayed), Is.EqualTo((claim.ClaimId, true)), "the same key answers the same claim");
        Assert.That(await ClaimsAsync(account), Is.EqualTo(1));
        Assert.That(await EntriesAsync(), Is.EqualTo(entries));
        Assert.That(fixedAmount.Failure?.Code, Is.EqualTo("points_not_allowed"));

        var self = Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(committee, new PointsBank.Features.Claims.ApproveClaim(_community.Id, claim.ClaimId)));
        var balanceBeforeApproval = (await _community.BalanceAsync(account)).Balance;
        var approved = await _db.SendAs(reviewer, new PointsBank.Features.Claims.ApproveClaim(_community.Id, claim.ClaimId, "属实"));

        Assert.That(self!.Code, Is.EqualTo("self_approval"), "the committee member who recorded the award is its submitter");
        Assert.That(balanceBeforeApproval, Is.Zero);
        Assert.That(approved.Failure, Is.Null, approved.Failure?.Detail);
        Assert.That(approved.Value!.Status, Is.EqualTo(PointsBank.Features.Claims.ClaimStatus.Posted), "a 0-day 公示 window posts on approval");
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(8));
        Assert.That(await EntriesAsync(), Is.EqualTo(entries + 1), "posted once");
        var explanation = (string)(await _db.ScalarRawAsync(
            $"SELECT explanation FROM ledger_transactions WHERE community_id = {_community.Id} AND rule_code = 'lost_property'"))!;
        Assert.That(explanation, Does.Contain("拾金不昧").And.Contain("8").And.Contain($"申报 #{claim.ClaimId}"));
    }

    [Test]
    public async Task ADeductionUnderARuleThatNeedsReview_BecomesAClaim_AndDeductsOnlyOnceAnotherPersonApprovesIt()
    {
        var rule = TestRules.Deduct(7) with { Code = "test_reviewed_deduct", Direct = false, NeedsReview = true };
        await TestRules.EnsureAsync(_db.Services, _community.Id, rule);
        var (account, member) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 20));
        var policy = (await _db.Mediator.Send(new PointsBank.Features.Policy.GetPolicy(_community.Id))).Value!;
        Assert.That((await _db.Mediator.Send((policy with { NoticeDays = 0 }).Replacing(_community.Id))).Failure, Is.Null);
        var committee = PointsBank.Tests.Features.Communities.Acting.As(PointsBank.Identity.Role.Committee, _community.Id, userId: 31);
        var reviewer = PointsBank.Tests.Features.Communities.Acting.As(PointsBank.Identity.Role.Reviewer, _community.Id, userId: 32);
        var entries = await EntriesAsync();

        var wrongWay = await _db.SendAs(committee, new AwardPoints(_community.Id, account, null, null, null, member, "rd-award", RuleCode: rule.Code,
            EvidenceNote: "门前堆放杂物，照片 2 张"));
        var deduction = await _db.SendAs(committee, new DeductPoints(_community.Id, account, null, null, null, member, "rd-1", RuleCode: rule.Code,
            EvidenceNote: "门前堆放杂物，照片 2 张"));

        Assert.That(wrongWay.Failure?.Code, Is.EqualTo("rule_is_a_deduction"));
        Assert.That(deduction.Failure, Is.Null, deduction.Failure?.Detail);
        Assert.That((deduction.Value!.Transaction, deduction.Value.Claim?.Status), Is.EqualTo(((PointsBank.Features.Points.TransactionView?)null, "submitted")));
        Assert.That(await ClaimsAsync(account), Is.EqualTo(1));
        Assert.That((await EntriesAsync(), (await _community.BalanceAsync(account)).Balance), Is.EqualTo((entries, 20L)));

        var approved = await _db.SendAs(reviewer, new PointsBank.Features.Claims.ApproveClaim(_community.Id, deduction.Value.Claim!.ClaimId, "属实"));

        Assert.That(approved.Value?.Status, Is.EqualTo(PointsBank.Features.Claims.ClaimStatus.Posted), approved.Failure?.Detail);
        Assert.That((await EntriesAsync(), (await _community.BalanceAsync(account)).Balance), Is.EqualTo((entries + 1, 13L)));
    }

    private async Task<long> ClaimsAsync(long account) =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM claims WHERE community_id = {_community.Id} AND account_id = {account}"));

    [Test]
    public async Task AwardAndDeduction_ToADeactivatedHousehold_AreRefused_ButReversalsStillCorrectThePast()
    {
        var household = (await _db.Mediator.Send(new AddHousehold(_community.Id, null, "三组-07"))).Value!.HouseholdId;
        var account = (await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(_community.Id, "household", household))).Value!.AccountId;
        var award = await _db.Mediator.Send(await AwardAsync(account, 10, "a1"));
        await _db.Mediator.Send(new DeactivateHousehold(_community.Id, household));

        var refused = await _db.Mediator.Send(await AwardAsync(account, 5, "a2"));
        var refusedDeduction = await _db.Mediator.Send(new DeductPoints(_community.Id, account, null, null, null, null, "d1", RuleCode: "littering", EvidenceNote: "乱扔垃圾"));
        var reversal = await _db.Mediator.Send(new ReverseTransaction(_community.Id, award.Value!.Transaction!.Seq, "录入错误", "r1"));

        Assert.That(refused.Failure!.Code, Is.EqualTo("account_inactive"));
        Assert.That(refusedDeduction.Failure!.Code, Is.EqualTo("account_inactive"));
        Assert.That(reversal.Succeeded, Is.True);
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
    }

    [Test]
    public async Task Award_InADeactivatedCommunity_IsRefused()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _db.Mediator.Send(new DeactivateCommunity(_community.Id));

        var refused = await _db.Mediator.Send(await AwardAsync(account, 5, "a1"));

        Assert.That(refused.Failure!.Code, Is.EqualTo("community_inactive"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
    }

    [Test]
    public async Task Award_CreditedToAResidentOutsideTheAccountsHousehold_IsRefused()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        var (_, stranger) = await _community.NewHouseholdAccountAsync();

        var own = await _db.Mediator.Send(await AwardAsync(account, 5, "m1", member));
        var other = await _db.Mediator.Send(await AwardAsync(account, 5, "m2", stranger));
        await _db.Mediator.Send(new DeactivateResident(_community.Id, member));
        var deactivated = await _db.Mediator.Send(await AwardAsync(account, 5, "m3", member));

        Assert.That(own.Succeeded, Is.True);
        Assert.That(other.Failure!.Code, Is.EqualTo("invalid_entry"));
        Assert.That(other.Failure.Detail, Does.Contain("not a member"));
        Assert.That(deactivated.Failure!.Code, Is.EqualTo("invalid_entry"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(5));
    }

    [Test]
    public async Task CommunityTimeZone_IsFixedOnceTheLedgerHasEntries()
    {
        var fresh = await _db.NewCommunityAsync();
        var before = await _db.Mediator.Send(new UpdateCommunity(fresh.Id, "新村", "Asia/Urumqi", "household", "cap"));
        var (account, _) = await fresh.NewHouseholdAccountAsync();
        await fresh.PostAsync(fresh.Award(account, 1));

        var after = await _db.Mediator.Send(new UpdateCommunity(fresh.Id, "新村", "Asia/Shanghai", "household", "cap"));
        var renamed = await _db.Mediator.Send(new UpdateCommunity(fresh.Id, "新村二", "Asia/Urumqi", "household", "cap"));

        Assert.That(before.Succeeded, Is.True, "no entries yet: the time zone may change");
        Assert.That(after.Failure!.Code, Is.EqualTo("time_zone_locked"));
        Assert.That(renamed.Succeeded, Is.True, "other settings still change");
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }
}

[TestFixture]
public sealed class SqliteAwardPointsTests() : AwardPointsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAwardPointsTests() : AwardPointsTests(DatabaseProvider.SqlServer);
