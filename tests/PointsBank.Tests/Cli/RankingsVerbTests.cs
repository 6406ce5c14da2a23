using PointsBank.Cli;
using PointsBank.Data;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Cli;

/// <summary>
/// `rankings verify` and `verify` check every published ranking revision; exit codes say whether all match. On every
/// engine, on a database of the test's own (the verbs report on the whole database).
/// </summary>
[NonParallelizable]
public abstract class RankingsVerbTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _c = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task PublishTwoRevisions()
    {
        _db = await TestDatabase.CreateOwnAsync(provider);
        _c = await _db.NewCommunityAsync();
        var (account, _) = await _c.NewHouseholdAccountAsync();
        await _c.PostAsync(_c.Award(account, 10));
        // November is published once it is over: on 1 December in Shanghai; a late November entry makes revision 2.
        _db.Clock.Set(new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero));
        Assert.That((await _db.SendAs(Acting.As(Role.Committee, _c.Id), new PublishRanking(_c.Id, "2026-11"))).Failure, Is.Null);
        await _c.PostAsync(_c.Award(account, 5) with { EffectiveDate = new DateOnly(2026, 11, 30) });
        Assert.That((await _db.SendAs(Acting.As(Role.Committee, _c.Id), new PublishRanking(_c.Id, "2026-11"))).Failure, Is.Null);
    }

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    private async Task<(int Exit, string Out)> Run(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            return (await Verbs.RunAsync(_db.Services, args), output.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Test]
    public async Task RankingsVerify_AndVerify_PassWhenEveryRevisionMatches_AndFailNamingTheTamperedOne()
    {
        var all = await Run("rankings", "verify");
        var one = await Run("rankings", "verify", "--community", _c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--month", "2026-11", "--revision", "2");
        var verify = await Run("verify");
        await _db.TamperAsync(
            $"UPDATE ranking_snapshot_rows SET points = 99 WHERE snapshot_id = (SELECT id FROM ranking_snapshots WHERE community_id = {_c.Id} AND revision = 1)",
            "ranking_snapshot_rows");
        var tampered = await Run("rankings", "verify");
        var verifyTampered = await Run("verify");

        Assert.That((all.Exit, one.Exit, verify.Exit), Is.EqualTo((0, 0, 0)), all.Out + one.Out + verify.Out);
        Assert.That(all.Out, Does.Contain("2 revision(s) match"));
        Assert.That(one.Out, Does.Contain("revision 2: matches").And.Not.Contain("revision 1"));
        Assert.That(verify.Out, Does.Contain("2 published ranking revisions"));
        Assert.That(tampered.Exit, Is.EqualTo(1));
        Assert.That(tampered.Out, Does.Contain($"community {_c.Id} ranking 2026-11 revision 1: DOES NOT MATCH").And.Contain("revision 2: matches"));
        Assert.That(verifyTampered.Exit, Is.EqualTo(1));
        Assert.That(verifyTampered.Out, Does.Contain("1 published ranking revision(s) do not match"));
    }

    [TestCase("rankings")]
    [TestCase("rankings", "check")]
    [TestCase("rankings", "verify", "--month", "2026-13")]
    [TestCase("rankings", "verify", "--community")]
    public async Task BadArguments_PrintTheUsage_AndExitTwo(params string[] args)
    {
        var (exit, output) = await Run(args);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("usage: rankings verify"));
    }
}

[TestFixture]
[NonParallelizable]
public sealed class SqliteRankingsVerbTests() : RankingsVerbTests(DatabaseProvider.Sqlite);

[TestFixture]
[NonParallelizable]
public sealed class SqlServerRankingsVerbTests() : RankingsVerbTests(DatabaseProvider.SqlServer);
