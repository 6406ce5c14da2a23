using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Features.Policy;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Points;

/// <summary>赠送 (issue 7 item 9): only as policy allows, family vs neighbours, never overdrawing, not earned — on every engine.</summary>
public abstract class TransferPointsTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;
    private int _keys;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync("person");
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task AllowAsync(TestCommunity community, bool allowed, string scope)
    {
        var policy = (await _db.Mediator.Send(new GetPolicy(community.Id))).Value!;
        var updated = await _db.Mediator.Send((policy with { TransfersAllowed = allowed, TransferScope = scope }).Replacing(community.Id));
        Assert.That(updated.Failure, Is.Null);
    }

    private async Task<long> NewHouseholdAsync(TestCommunity community) =>
        (await _db.Mediator.Send(new AddHousehold(community.Id, null, $"h-{Guid.NewGuid():N}"[..20]))).Value!.HouseholdId;

    /// <summary>A resident of the household with a person account (以人为单位), funded with <paramref name="points"/>.</summary>
    private async Task<long> NewPersonAccountAsync(long household, long points = 0)
    {
        var resident = (await _db.Mediator.Send(new AddResident(_community.Id, household, "测试居民"))).Value!.ResidentId;
        var account = (await _db.Mediator.Send(new OpenAccount(_community.Id, "person", resident))).Value!.AccountId;
        if (points > 0)
        {
            await _community.PostAsync(_community.Award(account, points));
        }
        return account;
    }

    private Task<PointsBank.Infrastructure.Outcome<Posted>> TransferAsync(long from, long to, long points, string? key = null) =>
        _db.SendAs(Acting.As(Role.Committee, _community.Id),
            new TransferPoints(_community.Id, from, to, points, "居民书面申请（2026-11-15）", key ?? $"t-{Interlocked.Increment(ref _keys)}"));

    /// <summary>Transfers allowed to neighbours; a giver with <paramref name="points"/> and a neighbour of another household.</summary>
    private async Task<(long Giver, long Neighbour)> NeighboursAsync(long points)
    {
        await AllowAsync(_community, true, "community");
        return (await NewPersonAccountAsync(await NewHouseholdAsync(_community), points), await NewPersonAccountAsync(await NewHouseholdAsync(_community)));
    }

    private async Task<long> TransactionCountAsync() =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id}"));

    private async Task AssertIntact()
    {
        var report = await _db.VerifyOwnAsync();
        Assert.That(report.FirstBreak, Is.Null, report.FirstBreak?.ToString());
    }

    [Test]
    public async Task Transfer_IsRefused_UntilPolicyAllowsIt()
    {
        var household = await NewHouseholdAsync(_community);
        var (mother, son) = (await NewPersonAccountAsync(household, 10), await NewPersonAccountAsync(household));
        var count = await TransactionCountAsync();

        var refused = await TransferAsync(mother, son, 3);
        await AllowAsync(_community, true, "family");
        var posted = await TransferAsync(mother, son, 3);

        Assert.That(refused.Failure!.Code, Is.EqualTo("transfers_off"));
        Assert.That(posted.Failure, Is.Null);
        var tx = posted.Value!.Transaction!;
        Assert.That((tx.Kind, tx.Category), Is.EqualTo(("adjust", "transfer")));
        Assert.That(tx.Explanation, Does.StartWith("积分赠送（家人").And.Contain("居民书面申请"));
        Assert.That(tx.Facts, Does.Contain("\"relation\":\"family\""));
        Assert.That(await TransactionCountAsync(), Is.EqualTo(count + 1));
        Assert.That((await _community.BalanceAsync(mother)).Balance, Is.EqualTo(7));
        Assert.That((await _community.BalanceAsync(son)).Balance, Is.EqualTo(3));
        await AssertIntact();
    }

    [Test]
    public async Task Neighbour_IsRefusedUnderFamilyOnly_AndAllowedUnderCommunity()
    {
        var (giver, neighbour) = (await NewPersonAccountAsync(await NewHouseholdAsync(_community), 10),
            await NewPersonAccountAsync(await NewHouseholdAsync(_community)));

        await AllowAsync(_community, true, "family");
        var familyOnly = await TransferAsync(giver, neighbour, 2);
        await AllowAsync(_community, true, "community");
        var allowed = await TransferAsync(giver, neighbour, 2);

        Assert.That(familyOnly.Failure!.Code, Is.EqualTo("transfer_not_family"));
        Assert.That(allowed.Value!.Transaction!.Explanation, Does.StartWith("积分赠送（邻居"));
        Assert.That((await _community.BalanceAsync(neighbour)).Balance, Is.EqualTo(2));
    }

    [Test]
    public async Task SameAccount_OtherCommunity_UnknownAccount_AndTooManyPoints_EachHaveTheirOwnCode_AndWriteNothing()
    {
        var (giver, neighbour) = await NeighboursAsync(5);
        var elsewhere = await _db.NewCommunityAsync();
        var (foreign, _) = await elsewhere.NewHouseholdAccountAsync();
        var count = await TransactionCountAsync();

        var same = await TransferAsync(giver, giver, 1);
        var other = await TransferAsync(giver, foreign, 1);
        var unknown = await TransferAsync(giver, 999_999, 1);
        var tooMany = await TransferAsync(giver, neighbour, 6);
        var system = await TransferAsync(giver, _community.Issuance, 1);

        Assert.That(same.Failure!.Code, Is.EqualTo("transfer_same_account"));
        Assert.That(other.Failure!.Code, Is.EqualTo("transfer_other_community"));
        Assert.That(unknown.Failure!.Code, Is.EqualTo("account_not_found"));
        Assert.That(tooMany.Failure!.Code, Is.EqualTo("insufficient_points"));
        Assert.That(system.Failure!.Code, Is.EqualTo("invalid_entry"));
        Assert.That(await TransactionCountAsync(), Is.EqualTo(count));
        Assert.That((await _community.BalanceAsync(giver)).Balance, Is.EqualTo(5));
        await AssertIntact();
    }

    [Test]
    public async Task HeldPoints_CannotBeGiven()
    {
        var (giver, neighbour) = await NeighboursAsync(10);
        var hold = await _db.Ledger.PlaceHoldAsync(_community.Id, giver, 8, "voucher-1", "test:shop", "hold-1", null);
        Assert.That(hold.Error, Is.Null);

        var refused = await TransferAsync(giver, neighbour, 3);
        var fits = await TransferAsync(giver, neighbour, 2);

        Assert.That(refused.Failure!.Code, Is.EqualTo("insufficient_points"));
        Assert.That(fits.Succeeded, Is.True);
        Assert.That((await _community.BalanceAsync(giver)).Available, Is.Zero);
    }

    [Test]
    public async Task ConcurrentTransfers_FromOneAccount_NeverOverdraw()
    {
        var (giver, first) = await NeighboursAsync(10);
        var neighbours = new List<long> { first };
        for (var i = 1; i < 4; i++)
        {
            neighbours.Add(await NewPersonAccountAsync(await NewHouseholdAsync(_community)));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => TransferAsync(giver, neighbours[i % neighbours.Count], 3, $"race-{i}"))));

        Assert.That(results.Count(r => r.Succeeded), Is.EqualTo(3));
        Assert.That(results.Where(r => !r.Succeeded).Select(r => r.Failure!.Code), Is.All.EqualTo("insufficient_points"));
        Assert.That((await _community.BalanceAsync(giver)).Balance, Is.EqualTo(1));
        long received = 0;
        foreach (var neighbour in neighbours)
        {
            received += (await _community.BalanceAsync(neighbour)).Balance;
        }
        Assert.That(received, Is.EqualTo(9));
        await AssertIntact();
    }

    [Test]
    public async Task SameKey_Replays_AndPostsOnce()
    {
        var (giver, neighbour) = await NeighboursAsync(10);

        var first = await TransferAsync(giver, neighbour, 4, "once");
        var again = await TransferAsync(giver, neighbour, 4, "once");
        var other = await TransferAsync(giver, neighbour, 5, "once");

        Assert.That(first.Value!.Replayed, Is.False);
        Assert.That(again.Value!.Replayed, Is.True);
        Assert.That(again.Value.Transaction!.Seq, Is.EqualTo(first.Value.Transaction!.Seq));
        Assert.That(first.Value.Transaction.Key, Is.EqualTo(LedgerKeys.Client("once")));
        Assert.That(other.Failure!.Code, Is.EqualTo("idempotency_conflict"));
        Assert.That((await _community.BalanceAsync(neighbour)).Balance, Is.EqualTo(4));
    }

    [Test]
    public async Task Transfer_IsNotEarned_InTheMonthlyAggregates_NorIsItsReversal()
    {
        var (giver, neighbour) = await NeighboursAsync(10);

        var posted = await TransferAsync(giver, neighbour, 4);
        var reversed = await _db.Mediator.Send(new ReverseTransaction(_community.Id, posted.Value!.Transaction!.Seq, "申请人撤回", "undo"));
        var again = await TransferAsync(giver, neighbour, 6);

        Assert.That(reversed.Succeeded && again.Succeeded, Is.True);
        Assert.That(await EarnedAsync(giver), Is.EqualTo(10), "the giver earned what was awarded, and giving it away does not lower that");
        Assert.That(await EarnedAsync(neighbour), Is.Zero, "a gift is not earned");
        Assert.That((await _community.BalanceAsync(giver)).Balance, Is.EqualTo(4));
        Assert.That((await _community.BalanceAsync(neighbour)).Balance, Is.EqualTo(6));
        await AssertIntact();
    }

    [Test]
    public async Task InHouseholdMode_FamilyOnly_LeavesNobodyToGiveTo_ButNeighboursMayBeGiven()
    {
        var village = await _db.NewCommunityAsync("household");
        var (giver, _) = await village.NewHouseholdAccountAsync();
        var (neighbour, _) = await village.NewHouseholdAccountAsync();
        await village.PostAsync(village.Award(giver, 5));
        var committee = Acting.As(Role.Committee, village.Id);

        await AllowAsync(village, true, "family");
        var familyOnly = await _db.SendAs(committee, new TransferPoints(village.Id, giver, neighbour, 2, "书面申请", "h1"));
        await AllowAsync(village, true, "community");
        var neighbours = await _db.SendAs(committee, new TransferPoints(village.Id, giver, neighbour, 2, "书面申请", "h2"));

        Assert.That(familyOnly.Failure!.Code, Is.EqualTo("transfer_not_family"));
        Assert.That(neighbours.Succeeded, Is.True);
    }

    [Test]
    public async Task OnlyTheCommittee_RecordsATransfer()
    {
        var (giver, neighbour) = await NeighboursAsync(5);

        Assert.That(() => _db.SendAs(Acting.As(Role.Inspector, _community.Id), new TransferPoints(_community.Id, giver, neighbour, 1, "申请", "i1")),
            Throws.InstanceOf<ForbiddenException>());
        Assert.That((await _community.BalanceAsync(giver)).Balance, Is.EqualTo(5));
    }

    private async Task<long> EarnedAsync(long account) =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COALESCE(SUM(earned), 0) FROM monthly_aggregates WHERE account_id = {account}"));
}

[TestFixture]
public sealed class SqliteTransferPointsTests() : TransferPointsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTransferPointsTests() : TransferPointsTests(DatabaseProvider.SqlServer);
