using PointsBank.Cli;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Cli;

/// <summary>
/// `verify` as an operator runs it: the exit code says whether the ledger is intact, the output where it broke. On every
/// engine, on a database of the test's own (the verb reports on the whole database).
/// </summary>
[NonParallelizable]
public abstract class VerifyVerbTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateOwnAsync(provider);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    private async Task<(int Exit, string Out)> Verify()
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            return (await Verbs.RunAsync(_db.Services, ["verify"]), output.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Test]
    public async Task Verify_ExitsZeroWhenIntact_AndOneNamingTheBreakOtherwise()
    {
        var community = await _db.NewCommunityAsync();
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 10));
        var last = await community.PostAsync(community.Award(account, 20));

        var intact = await Verify();
        await _db.TamperAsync($"UPDATE ledger_postings SET amount = amount + 5 WHERE account_id = {account} AND amount = 20", "ledger_postings");
        var broken = await Verify();

        Assert.That(intact.Exit, Is.Zero);
        Assert.That(intact.Out, Does.Contain("verify: intact"));
        Assert.That(intact.Out, Does.Contain($"community {community.Id}: 2 transactions").And.Contain($"head: seq 2, hash {last.Hash}"));
        Assert.That(broken.Exit, Is.EqualTo(1));
        Assert.That(broken.Out, Does.Contain($"community {community.Id}, transaction 2"));
    }

    [Test]
    public async Task Verify_OnADatabaseWhoseSchemaIsBehind_NamesThePendingScript_AndAppliesNothing()
    {
        var last = Migrator.Scripts(provider)[^1];
        await _db.ExecuteRawAsync($"DELETE FROM schema_migrations WHERE version = {last.Version}");

        var result = await Verify();

        Assert.That(result.Exit, Is.EqualTo(2));
        Assert.That(result.Out, Does.Contain("pending").And.Contain($"{last.Version:D4}_{last.Name}"));
        Assert.That(Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM schema_migrations WHERE version = {last.Version}")), Is.Zero);
    }
}

[TestFixture]
[NonParallelizable]
public sealed class SqliteVerifyVerbTests() : VerifyVerbTests(DatabaseProvider.Sqlite);

[TestFixture]
[NonParallelizable]
public sealed class SqlServerVerifyVerbTests() : VerifyVerbTests(DatabaseProvider.SqlServer);
