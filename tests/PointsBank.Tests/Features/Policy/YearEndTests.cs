using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Policy;
using PointsBank.Jobs;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Policy;

/// <summary>
/// 年终 at the boundary, on every engine: with <c>zero</c>, one expire per positive balance effective 31 December
/// (postings effective 31 December count, those effective 1 January do not), once however often the job runs, never
/// before midnight in the community's time zone; <c>carry_forward</c> and <c>non_redeemable_base</c> post nothing; the
/// base is not redeemable.
/// </summary>
public abstract class YearEndTests(DatabaseProvider provider)
{
    // Asia/Shanghai is UTC+8: 31 December 2026 10:00 local, and the first minute of 2027 there.
    private static readonly DateTimeOffset LastDayMorning = new(2026, 12, 31, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastMinute = new(2026, 12, 31, 15, 59, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NewYear = new(2026, 12, 31, 16, 0, 0, TimeSpan.Zero);

    private TestDatabase _db = null!;
    private TestCommunity _community = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync();
        _db.Clock.Set(LastDayMorning);
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task SetPolicyAsync(string yearEnd, long? yearEndBase = null)
    {
        var policy = (await _db.Mediator.Send(new GetPolicy(_community.Id))).Value!;
        var updated = await _db.Mediator.Send((policy with { YearEnd = yearEnd, YearEndBase = yearEndBase ?? 0 }).Replacing(_community.Id)
            with { YearEndBase = yearEndBase });
        Assert.That(updated.Failure, Is.Null, updated.Failure?.Detail);
    }

    private async Task<int> RunJobAsync()
    {
        var job = _db.Services.GetServices<IJob>().Single(j => j.Name == "year-end");
        return await JobRegistry.RunOnceAsync(_db.Services, job, CancellationToken.None);
    }

    private async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await _db.ScalarRawAsync(sql));

    private Task<long> ExpiresAsync() => ScalarAsync(
        $"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id} AND kind = 'expire'");

    private async Task<long> ExpiredAccountBalanceAsync()
    {
        var expired = (await _db.Ledger.SystemAccountIdAsync(_community.Id, SystemAccount.Expired))!.Value;
        return await ScalarAsync($"SELECT balance FROM balances WHERE account_id = {expired}");
    }

    [Test]
    public async Task Zero_ExpiresEachPositiveBalanceOf31December_Once_EvenWhenTheJobRunsTwice()
    {
        await SetPolicyAsync(CommunityPolicy.ZeroAtYearEnd);
        var (earner, _) = await _community.NewHouseholdAccountAsync();
        var (backdated, _) = await _community.NewHouseholdAccountAsync();
        var (spent, _) = await _community.NewHouseholdAccountAsync();
        var (untouched, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(earner, 30));
        await _community.PostAsync(_community.Award(backdated, 10));
        await _community.PostAsync(_community.Award(spent, 5));
        await _community.PostAsync(_community.Redeem(spent, 5));
        _db.Clock.Set(NewYear.AddMinutes(30));
        // On 1 January: an award effective that day (next year's), and one back-dated to 31 December (this year's).
        await _community.PostAsync(_community.Award(earner, 7));
        await _community.PostAsync(_community.Award(backdated, 3) with { EffectiveDate = new DateOnly(2026, 12, 31) });

        var first = await RunJobAsync();
        var second = await RunJobAsync();

        Assert.That((first, second), Is.EqualTo((2, 0)));
        Assert.That(await ExpiresAsync(), Is.EqualTo(2));
        Assert.That(await ScalarAsync($"""
            SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id} AND kind = 'expire'
               AND category = 'year_end' AND effective_date = '2026-12-31'
            """), Is.EqualTo(2));
        Assert.That((await _community.BalanceAsync(earner)).Balance, Is.EqualTo(7), "1 January's award is next year's");
        Assert.That((await _community.BalanceAsync(backdated)).Balance, Is.Zero, "the award back-dated to 31 December expired too");
        Assert.That((await _community.BalanceAsync(spent)).Balance, Is.Zero);
        Assert.That((await _community.BalanceAsync(untouched)).Balance, Is.Zero);
        Assert.That(await ExpiredAccountBalanceAsync(), Is.EqualTo(43));
        Assert.That(await ScalarAsync($"SELECT points FROM year_ends WHERE community_id = {_community.Id} AND year = 2026"), Is.EqualTo(43));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);

        var byHand = await _db.Mediator.Send(new CloseYear(_community.Id, 2026));
        Assert.That(byHand.Value, Is.EqualTo(new YearClosed(_community.Id, 2026, CommunityPolicy.ZeroAtYearEnd, 0, 0)));
        Assert.That(await ExpiresAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task Job_DoesNothingBeforeMidnightInTheCommunitysTimeZone_AndClosesTheYearAtIt()
    {
        await SetPolicyAsync(CommunityPolicy.ZeroAtYearEnd);
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 12));

        _db.Clock.Set(LastMinute);
        var beforeMidnight = await RunJobAsync();
        var expiresBefore = await ExpiresAsync();
        _db.Clock.Set(NewYear);
        var atMidnight = await RunJobAsync();

        Assert.That((beforeMidnight, expiresBefore), Is.EqualTo((0, 0L)));
        Assert.That(atMidnight, Is.EqualTo(1));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
    }

    [TestCase(CommunityPolicy.CarryForward, null)]
    [TestCase(CommunityPolicy.NonRedeemableBase, 5L)]
    public async Task OtherPolicies_PostNothing_ByJobOrByHand(string policy, long? yearEndBase)
    {
        await SetPolicyAsync(policy, yearEndBase);
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 20));
        _db.Clock.Set(NewYear.AddDays(1));

        var byJob = await RunJobAsync();
        var byHand = await _db.Mediator.Send(new CloseYear(_community.Id, 2026));

        Assert.That(byJob, Is.Zero);
        Assert.That(byHand.Value, Is.EqualTo(new YearClosed(_community.Id, 2026, policy, 0, 0)));
        Assert.That(await ExpiresAsync(), Is.Zero);
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(20));
    }

    [Test]
    public async Task AnOpenVoucher_KeepsItsPoints_TheRestExpires_AndItsReleaseLaterExpiresNothing()
    {
        await SetPolicyAsync(CommunityPolicy.ZeroAtYearEnd);
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 20));
        var hold = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 8, "voucher TEST", "test:shop", "hold-1", null);
        Assert.That(hold.Error, Is.Null, hold.Detail);
        _db.Clock.Set(NewYear);

        Assert.That(await RunJobAsync(), Is.EqualTo(1));
        var afterYearEnd = await _community.BalanceAsync(account);
        var released = await _db.Ledger.ReleaseHoldAsync(_community.Id, hold.Hold!.Id, "test:shop");
        var again = await _db.Mediator.Send(new CloseYear(_community.Id, 2026));

        Assert.That((afterYearEnd.Balance, afterYearEnd.Held), Is.EqualTo((8L, 8L)));
        Assert.That(released.Error, Is.Null);
        Assert.That(again.Value!.Accounts, Is.Zero, "one expiry per account and year: the released 8 carry forward");
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(8));
    }

    [Test]
    public async Task AYearThatIsNotOver_IsRefused_AndNothingIsWritten()
    {
        await SetPolicyAsync(CommunityPolicy.ZeroAtYearEnd);
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 20));
        _db.Clock.Set(LastMinute);

        var refused = await _db.Mediator.Send(new CloseYear(_community.Id, 2026));

        Assert.That(refused.Failure?.Code, Is.EqualTo("year_not_over"));
        Assert.That(await ExpiresAsync(), Is.Zero);
        Assert.That(await ScalarAsync($"SELECT COUNT(*) FROM year_ends WHERE community_id = {_community.Id}"), Is.Zero);
    }

    [Test]
    public async Task NonRedeemableBase_KeepsRedemptionAboveTheBase_ButNotDeductions()
    {
        await SetPolicyAsync(CommunityPolicy.NonRedeemableBase, 50);
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 60));

        var withinBase = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 10, "voucher A", "test:shop", "hold-a", null);
        var intoBase = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 1, "voucher B", "test:shop", "hold-b", null);
        var directRedeem = await _db.Ledger.PostAsync(_community.Redeem(account, 1));
        var deduction = await _db.Ledger.PostAsync(_community.Deduct(account, 5));

        Assert.That(withinBase.Error, Is.Null, withinBase.Detail);
        Assert.That(intoBase.Error, Is.EqualTo(LedgerError.InsufficientPoints));
        Assert.That(intoBase.Detail, Does.Contain("50 分基础分不可兑换"));
        Assert.That(directRedeem.Error, Is.EqualTo(LedgerError.InsufficientPoints));
        Assert.That(deduction.Error, Is.Null, "a deduction is no redemption: the base does not shield it");
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held), Is.EqualTo((55L, 10L)));
    }
}

[TestFixture]
public sealed class SqliteYearEndTests() : YearEndTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerYearEndTests() : YearEndTests(DatabaseProvider.SqlServer);
