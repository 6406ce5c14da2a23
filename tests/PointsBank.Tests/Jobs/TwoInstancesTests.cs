using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Jobs;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Features.Policy;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Jobs;

/// <summary>
/// Two service instances on one database (DESIGN §11; the nearest this machine comes to two app servers on one SQL
/// Server, and on SQL Server exactly that): each has its own service provider — ledger, posting contexts, data
/// protection, jobs — and they share only the database. Every job runs on both at once, twice each, and each step
/// happens once; a card sealed on one is unsealed on the other.
/// </summary>
public abstract class TwoInstancesTests(DatabaseProvider provider)
{
    private TestDatabase _first = null!;
    private TestDatabase _second = null!;
    private TestCommunity _community = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task StartTwoInstances()
    {
        _first = await TestDatabase.CreateAsync(provider);
        _second = await _first.AnotherInstanceAsync();
        _community = await _first.NewCommunityAsync();
    }

    [TearDown]
    public async Task Stop()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    /// <summary>Runs job <paramref name="name"/> twice on each instance, all four at once.</summary>
    private static async Task<int[]> RunOnBothAsync(string name, TestDatabase first, TestDatabase second) =>
        await Task.WhenAll(new[] { first, second, first, second }.Select(instance => Task.Run(() =>
            JobRegistry.RunOnceAsync(instance.Services, instance.Services.GetServices<IJob>().Single(j => j.Name == name), default))));

    private async Task<long> CountAsync(string sql) => Convert.ToInt64(await _first.ScalarRawAsync(sql));

    [Test]
    public void ACardSealedOnOneInstance_IsUnsealedOnTheOther_BothWays()
    {
        var onFirst = _first.Services.GetRequiredService<CardLinks>();
        var onSecond = _second.Services.GetRequiredService<CardLinks>();

        var sealedOnFirst = onFirst.Seal("pbc_first-instance-token");
        var sealedOnSecond = onSecond.Seal("pbc_second-instance-token");

        Assert.That(onSecond.Unseal(sealedOnFirst), Is.EqualTo("pbc_first-instance-token"));
        Assert.That(onFirst.Unseal(sealedOnSecond), Is.EqualTo("pbc_second-instance-token"));
    }

    [Test]
    public async Task TheKeyRing_IsInTheDatabase_WithAKeyActiveNow()
    {
        var keys = await CountAsync("SELECT COUNT(*) FROM data_protection_keys WHERE friendly_name LIKE 'key-%'");
        var manager = _second.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();

        Assert.That(keys, Is.GreaterThanOrEqualTo(1));
        Assert.That(manager.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= DateTimeOffset.UtcNow && k.ExpirationDate > DateTimeOffset.UtcNow),
            "the second instance reads the first one's key from the database");
        Assert.That(DataProtectionKeysFor(_second), Is.False, "a key is already there: starting a second instance makes none");
    }

    private static bool DataProtectionKeysFor(TestDatabase instance) => PointsBank.Infrastructure.DataProtectionKeys.EnsureKey(
        instance.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>(), DateTimeOffset.UtcNow);

    [Test]
    public async Task PostDueClaims_OnBothInstancesAtOnce_PostsEachClaimOnce()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        var inspector = Acting.As(Role.Inspector, _community.Id, userId: 11);
        var reviewer = Acting.As(Role.Reviewer, _community.Id, userId: 12);
        var yesterday = DateOnly.FromDateTime(_first.Clock.GetUtcNow().UtcDateTime.AddHours(8)).AddDays(-1);
        for (var i = 0; i < 3; i++)
        {
            var claim = await _first.SendAs(inspector, new SubmitClaim(_community.Id, account, member, "mediation", null, yesterday, $"调解纠纷 {i}"));
            Assert.That(claim.Failure, Is.Null, claim.Failure?.Detail);
            // Approved on the other instance: either may serve any request.
            Assert.That((await _second.SendAs(reviewer, new ApproveClaim(_community.Id, claim.Value!.Id, "属实"))).Failure, Is.Null);
        }
        _first.Clock.Advance(TimeSpan.FromDays(3));

        await RunOnBothAsync("post-due-claims", _first, _second);

        Assert.That(await CountAsync($"SELECT COUNT(*) FROM claims WHERE community_id = {_community.Id} AND status = 'posted'"), Is.EqualTo(3));
        Assert.That(await CountAsync($"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id} AND idempotency_key LIKE 'claim-%'"),
            Is.EqualTo(3));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(30));
        Assert.That((await _first.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task ReleaseExpiredHolds_OnBothInstancesAtOnce_ReleasesEachHoldOnce()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 50));
        var expires = _first.Clock.GetUtcNow().UtcDateTime.AddMinutes(15);
        for (var i = 0; i < 3; i++)
        {
            var hold = await _first.Ledger.PlaceHoldAsync(_community.Id, account, 10, $"voucher-{i}", "test:shop", $"hold-{i}", expires);
            Assert.That(hold.Error, Is.Null, hold.Detail);
        }
        Assert.That((await _community.BalanceAsync(account)).Available, Is.EqualTo(20));
        _first.Clock.Advance(TimeSpan.FromMinutes(16));

        await RunOnBothAsync("release-expired-holds", _first, _second);

        Assert.That(await CountAsync($"SELECT COUNT(*) FROM holds WHERE community_id = {_community.Id} AND status = 'released'"), Is.EqualTo(3));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held, balance.Available), Is.EqualTo((50L, 0L, 50L)), "each hold was given back once, not twice");
    }

    [Test]
    public async Task YearEnd_OnBothInstancesAtOnce_ExpiresEachBalanceOnce()
    {
        var policy = (await _first.Mediator.Send(new GetPolicy(_community.Id))).Value!;
        Assert.That((await _first.Mediator.Send((policy with { YearEnd = CommunityPolicy.ZeroAtYearEnd }).Replacing(_community.Id))).Failure, Is.Null);
        _first.Clock.Set(new DateTimeOffset(2026, 12, 31, 2, 0, 0, TimeSpan.Zero));
        var accounts = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var (account, _) = await _community.NewHouseholdAccountAsync();
            await _community.PostAsync(_community.Award(account, 10 + i));
            accounts.Add(account);
        }
        _first.Clock.Set(new DateTimeOffset(2026, 12, 31, 16, 30, 0, TimeSpan.Zero));

        await RunOnBothAsync("year-end", _first, _second);

        Assert.That(await CountAsync($"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id} AND kind = 'expire'"), Is.EqualTo(3));
        Assert.That(await CountAsync($"SELECT COUNT(*) FROM year_ends WHERE community_id = {_community.Id} AND year = 2026"), Is.EqualTo(1));
        foreach (var account in accounts)
        {
            Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
        }
        Assert.That((await _first.VerifyOwnAsync()).Intact, Is.True);
    }
}

[TestFixture]
public sealed class SqliteTwoInstancesTests() : TwoInstancesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerTwoInstancesTests() : TwoInstancesTests(DatabaseProvider.SqlServer);

/// <summary>
/// The backup job on two instances of one SQLite file: one backup, not two. SQLite only by nature — on SQL Server
/// backups are the DBA's and the job does nothing (its test is in BackupVerbTests).
/// </summary>
[TestFixture]
public sealed class BackupOnTwoInstancesTests
{
    [Test]
    public async Task TheBackupJob_OnTwoInstancesOfOneFileAtOnce_WritesOneBackup()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"backups-{Guid.NewGuid():N}");
        void InFolder(IServiceCollection services) => services.Configure<BackupOptions>(o => o.Folder = folder);
        await using var first = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, InFolder);
        await using var second = await first.AnotherInstanceAsync(InFolder);
        try
        {
            var runs = await RunOnBothAsync(first, second);

            Assert.That(runs.Sum(), Is.EqualTo(1), "one instance backed up; the others found the lease taken or the backup fresh");
            Assert.That(Directory.GetFiles(folder, "*.db"), Has.Length.EqualTo(1));
            Assert.That(Directory.GetFiles(folder, "*.partial"), Is.Empty);

            // A day later the lease has lapsed and the backup is stale: the next run backs up again, once.
            first.Clock.Advance(TimeSpan.FromHours(25));
            Assert.That((await RunOnBothAsync(first, second)).Sum(), Is.EqualTo(1));
            Assert.That(Directory.GetFiles(folder, "*.db"), Has.Length.EqualTo(2));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int[]> RunOnBothAsync(TestDatabase first, TestDatabase second) =>
        await Task.WhenAll(new[] { first, second, first, second }.Select(instance => Task.Run(() =>
            JobRegistry.RunOnceAsync(instance.Services, instance.Services.GetServices<IJob>().Single(j => j.Name == "backup"), default))));
}
