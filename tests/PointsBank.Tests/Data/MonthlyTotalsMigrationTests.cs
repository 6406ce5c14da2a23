using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Data;

/// <summary>
/// Upgrading a database from before migration 0018: its monthly totals are filled from the aggregates it already has,
/// so the ranking reads the same figures and <c>verify</c> passes. SQLite only, on purpose: the test turns the file back
/// into a pre-0018 database by dropping the table, which on a SQL Server database shared by the suite would take it
/// away from every other test running there.
/// </summary>
public sealed class MonthlyTotalsMigrationTests
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    [Test]
    public async Task Migration0018_FillsTheTotalsFromTheExistingAggregates()
    {
        var community = await _db.NewCommunityAsync();
        var (account, member) = await community.NewHouseholdAccountAsync();
        _db.Clock.Set(new DateTimeOffset(2026, 10, 20, 2, 0, 0, TimeSpan.Zero));
        await community.PostAsync(community.Award(account, 10, member: member, category: Categories.Volunteer, minutes: 60));
        await community.PostAsync(community.Award(account, 4, member: member));
        await community.PostAsync(community.Deduct(account, 3));
        _db.Clock.Set(new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero));
        await community.PostAsync(community.Award(account, 8));
        // The database as it was before 0018: no totals table, the script not applied.
        await _db.ExecuteRawAsync("DROP TABLE monthly_totals");
        await _db.ExecuteRawAsync("DELETE FROM schema_migrations WHERE version = 18");

        var report = await _db.Services.GetRequiredService<Migrator>().MigrateAsync();

        Assert.That(report.Applied, Is.EqualTo(new[] { "0018_monthly_totals" }));
        Assert.That(await Total($"account_id = {account} AND member_id = {member} AND month = '2026-10'"), Is.EqualTo("14/0/60"));
        Assert.That(await Total($"account_id = {account} AND member_id = 0 AND month = '2026-10'"), Is.EqualTo("0/3/0"));
        Assert.That(await Total($"account_id = {account} AND member_id = 0 AND month = '2026-11'"), Is.EqualTo("8/0/0"));
        var verify = await _db.Verifier.VerifyAsync();
        Assert.That(verify.FirstBreak, Is.Null, verify.FirstBreak?.ToString());
    }

    private async Task<string?> Total(string where) =>
        (string?)await _db.ScalarRawAsync($"SELECT earned || '/' || deducted || '/' || volunteer_minutes FROM monthly_totals WHERE {where}");
}
