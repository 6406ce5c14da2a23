using PointsBank.Cli;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Cli;

/// <summary>`verify` as an operator runs it: the exit code says whether the ledger is intact, the output where it broke.</summary>
[NonParallelizable]
public sealed class VerifyVerbTests
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

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
        await _db.ExecuteRawAsync("DROP TRIGGER tr_ledger_postings_no_update");
        await _db.ExecuteRawAsync($"UPDATE ledger_postings SET amount = amount + 5 WHERE account_id = {account} AND amount = 20");
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
        var last = Migrator.Scripts(DatabaseProvider.Sqlite)[^1];
        await _db.ExecuteRawAsync($"DELETE FROM schema_migrations WHERE version = {last.Version}");

        var result = await Verify();

        Assert.That(result.Exit, Is.EqualTo(2));
        Assert.That(result.Out, Does.Contain("pending").And.Contain($"{last.Version:D4}_{last.Name}"));
        Assert.That(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM schema_migrations WHERE version = {last.Version}"), Is.EqualTo(0L));
    }
}
