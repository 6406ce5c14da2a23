using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Features.Policy;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Policy;

/// <summary>The community's policy: read, replace, validate, fixed account mode, recorded history — on every engine.</summary>
public abstract class PolicyTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync();
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task<CommunityPolicy> ReadAsync() => (await _db.Mediator.Send(new GetPolicy(_community.Id))).Value!;

    [Test]
    public async Task NewCommunity_HasTheDefaultPolicy()
    {
        var policy = await ReadAsync();

        Assert.That(policy, Is.EqualTo(new CommunityPolicy("household", 3, "cap", "carry_forward", 0, 1m, 60, false, "family")));
    }

    [Test]
    public async Task Update_ThenRead_RoundTripsEveryField_AndStoresTheRateExactly()
    {
        var wanted = new CommunityPolicy("person", 0, "allow_negative", "non_redeemable_base", 50, 0.0125m, 30, true, "community");

        var updated = await _db.Mediator.Send(wanted.Replacing(_community.Id));

        Assert.That(updated.Failure, Is.Null);
        Assert.That(updated.Value, Is.EqualTo(wanted));
        Assert.That(await ReadAsync(), Is.EqualTo(wanted));
        Assert.That(Convert.ToInt64(await _db.ScalarRawAsync($"SELECT yuan_per_point_e4 FROM communities WHERE id = {_community.Id}")), Is.EqualTo(125));
    }

    [Test]
    public async Task UnknownCommunity_IsNotFound()
    {
        var read = await _db.Mediator.Send(new GetPolicy(999_999));

        Assert.That(read.Failure!.Code, Is.EqualTo("community_not_found"));
    }

    [TestCase("accountMode")]
    [TestCase("noticeDays")]
    [TestCase("penaltyPolicy")]
    [TestCase("yearEnd")]
    [TestCase("yearEndBase")]
    [TestCase("yuanPerPoint")]
    [TestCase("backdateDays")]
    [TestCase("transfersAllowed")]
    [TestCase("transferScope")]
    public async Task InvalidField_IsRefusedByName_InBothLanguages_AndNothingChanges(string field)
    {
        var valid = (await ReadAsync()).Replacing(_community.Id);
        var invalid = field switch
        {
            "accountMode" => valid with { AccountMode = "village" },
            "noticeDays" => valid with { NoticeDays = 91 },
            "penaltyPolicy" => valid with { PenaltyPolicy = null },
            "yearEnd" => valid with { YearEnd = "reset" },
            "yearEndBase" => valid with { YearEnd = "non_redeemable_base", YearEndBase = null },
            "yuanPerPoint" => valid with { YuanPerPoint = 0.00001m },
            "backdateDays" => valid with { BackdateDays = 367 },
            "transfersAllowed" => valid with { TransfersAllowed = null },
            _ => valid with { TransferScope = "county" },
        };

        var refused = Assert.ThrowsAsync<RequestValidationException>(() => _db.Mediator.Send(invalid));

        Assert.That(refused!.Errors.Select(e => e.Field), Is.EqualTo(new[] { field }));
        Assert.That(refused.Errors[0].Zh, Is.Not.Empty);
        Assert.That(refused.Errors[0].En, Is.Not.Empty);
        Assert.That(await ReadAsync(), Is.EqualTo(new CommunityPolicy("household", 3, "cap", "carry_forward", 0, 1m, 60, false, "family")));
    }

    [TestCase(-1)]
    [TestCase(10_000.0001)]
    public void YuanPerPoint_OutOfRange_IsRefused(decimal rate)
    {
        var invalid = new UpdatePolicy(_community.Id, "household", 3, "cap", "carry_forward", null, rate, 60, false, "family");

        var refused = Assert.ThrowsAsync<RequestValidationException>(() => _db.Mediator.Send(invalid));

        Assert.That(refused!.Errors.Single().Field, Is.EqualTo("yuanPerPoint"));
    }

    [Test]
    public void YearEndBase_WithoutABasePolicy_IsRefused()
    {
        var invalid = new UpdatePolicy(_community.Id, "household", 3, "cap", "zero", 20, 1m, 60, false, "family");

        var refused = Assert.ThrowsAsync<RequestValidationException>(() => _db.Mediator.Send(invalid));

        Assert.That(refused!.Errors.Single().Field, Is.EqualTo("yearEndBase"));
    }

    [Test]
    public async Task AccountMode_IsFixedOnceTheLedgerHasEntries_ByPolicyAndByCommunitySettings()
    {
        var policy = await ReadAsync();
        var before = await _db.Mediator.Send((policy with { AccountMode = "person" }).Replacing(_community.Id));
        var back = await _db.Mediator.Send(policy.Replacing(_community.Id));
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 1));

        var byPolicy = await _db.Mediator.Send((policy with { AccountMode = "person" }).Replacing(_community.Id));
        var byCommunity = await _db.Mediator.Send(new UpdateCommunity(_community.Id, "测试村", "Asia/Shanghai", "person", "cap"));
        var otherFields = await _db.Mediator.Send((policy with { NoticeDays = 7, PenaltyPolicy = "allow_negative" }).Replacing(_community.Id));

        Assert.That(before.Succeeded && back.Succeeded, Is.True, "no entries yet: the account mode may change");
        Assert.That(byPolicy.Failure!.Code, Is.EqualTo("account_mode_locked"));
        Assert.That(byCommunity.Failure!.Code, Is.EqualTo("account_mode_locked"));
        Assert.That(otherFields.Succeeded, Is.True, "other fields still change");
        Assert.That((await ReadAsync()).AccountMode, Is.EqualTo("household"));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task Change_IsRecordedInTheRosterHistory_WithBeforeAndAfter_AndARepeatRecordsNothing()
    {
        var policy = await ReadAsync();
        var changed = policy with { NoticeDays = 5, YuanPerPoint = 0.5m, TransfersAllowed = true };

        await _db.Mediator.Send(changed.Replacing(_community.Id));
        await _db.Mediator.Send(changed.Replacing(_community.Id));

        var history = (await _db.Mediator.Send(new GetChangeHistory(_community.Id, "community", _community.Id))).Value!.Items
            .Where(c => c.Before?.TryGetProperty("policy", out _) == true).ToList();
        Assert.That(history, Has.Count.EqualTo(1));
        Assert.That(history[0].Change, Is.EqualTo("update"));
        Assert.That(history[0].Actor, Is.EqualTo("cli:test"));
        var before = history[0].Before!.Value.GetProperty("policy");
        var after = history[0].After!.Value.GetProperty("policy");
        Assert.That(before.GetProperty("noticeDays").GetInt32(), Is.EqualTo(3));
        Assert.That(after.GetProperty("noticeDays").GetInt32(), Is.EqualTo(5));
        Assert.That(after.GetProperty("yuanPerPoint").GetDecimal(), Is.EqualTo(0.5m));
        Assert.That(after.GetProperty("transfersAllowed").GetBoolean(), Is.True);
    }

    [Test]
    public async Task BackdateDays_IsWhatTheLedgerEnforces()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var policy = await ReadAsync();
        var yesterday = DateOnly.FromDateTime(TestDatabase.DefaultNow.UtcDateTime).AddDays(-1);

        await _db.Mediator.Send((policy with { BackdateDays = 0 }).Replacing(_community.Id));
        var refused = await _db.Mediator.Send(new AwardPoints(_community.Id, account, null, null, null, null, "b1", yesterday, "public_labour"));
        await _db.Mediator.Send((policy with { BackdateDays = 1 }).Replacing(_community.Id));
        var accepted = await _db.Mediator.Send(new AwardPoints(_community.Id, account, null, null, null, null, "b2", yesterday, "public_labour"));

        Assert.That(refused.Failure!.Code, Is.EqualTo("effective_date_too_old"));
        Assert.That(accepted.Succeeded, Is.True);
    }
}

[TestFixture]
public sealed class SqlitePolicyTests() : PolicyTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPolicyTests() : PolicyTests(DatabaseProvider.SqlServer);
