using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Points;

public sealed class AwardPointsTests
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;

    [SetUp]
    public async Task Create()
    {
        _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        _community = await _db.NewCommunityAsync();
    }

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    [Test]
    public async Task AwardAndDeduction_ToADeactivatedHousehold_AreRefused_ButReversalsStillCorrectThePast()
    {
        var household = (await _db.Mediator.Send(new AddHousehold(_community.Id, null, "三组-07"))).Value!.HouseholdId;
        var account = (await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(_community.Id, "household", household))).Value!.AccountId;
        var award = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 10, "好人好事", "good_deed", null, "a1"));
        await _db.Mediator.Send(new DeactivateHousehold(_community.Id, household));

        var refused = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, "好人好事", "good_deed", null, "a2"));
        var refusedDeduction = await _db.Mediator.Send(new DeductPoints(_community.Id, account, 5, "乱扔垃圾", "deduction", null, "d1"));
        var reversal = await _db.Mediator.Send(new ReverseTransaction(_community.Id, award.Value!.Transaction.Seq, "录入错误", "r1"));

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

        var refused = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, "好人好事", "good_deed", null, "a1"));

        Assert.That(refused.Failure!.Code, Is.EqualTo("community_inactive"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
    }

    [Test]
    public async Task Award_CreditedToAResidentOutsideTheAccountsHousehold_IsRefused()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        var (_, stranger) = await _community.NewHouseholdAccountAsync();

        var own = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, "好人好事", "good_deed", member, "m1"));
        var other = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, "好人好事", "good_deed", stranger, "m2"));
        await _db.Mediator.Send(new DeactivateResident(_community.Id, member));
        var deactivated = await _db.Mediator.Send(new AwardPoints(_community.Id, account, 5, "好人好事", "good_deed", member, "m3"));

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
        Assert.That((await _db.Verifier.VerifyAsync()).Intact, Is.True);
    }
}
