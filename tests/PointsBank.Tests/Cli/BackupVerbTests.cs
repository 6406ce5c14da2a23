using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Cli;
using PointsBank.Data;
using PointsBank.Jobs;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Cli;

/// <summary>
/// `backup` and `restore` as an operator runs them, and the daily backup job: a copy taken while postings go on
/// verifies and holds every posting acknowledged before it started; only the newest Backup:Keep stay; restore refuses
/// while a service holds the database, refuses a file that does not verify, and restores one that does.
/// </summary>
[NonParallelizable]
public sealed class BackupVerbTests
{
    private TestDatabase _db = null!;
    private string _folder = null!;

    [SetUp]
    public async Task Create()
    {
        _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, s => s.Configure<BackupOptions>(o => o.Keep = 3));
        _folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"backups-{Guid.NewGuid():N}");
    }

    [TearDown]
    public async Task Drop()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(_db.File!)!, Path.GetFileName(_db.File!) + "*")
                     .Concat(Directory.EnumerateFiles(Path.GetDirectoryName(_db.File!)!, Path.GetFileNameWithoutExtension(_db.File!) + ".before-restore-*")))
        {
            File.Delete(file);
        }
    }

    private async Task<(int Exit, string Out)> Run(IServiceProvider services, params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            return (await Verbs.RunAsync(services, args), output.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    private static async Task<long> CountAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private string[] Backups() => Directory.Exists(_folder) ? [.. Directory.GetFiles(_folder).Order()] : [];

    [Test]
    public async Task Backup_DuringConcurrentPosting_VerifiesAndHoldsEveryPostingAcknowledgedBeforeItStarted()
    {
        var community = await _db.NewCommunityAsync();
        var (account, _) = await community.NewHouseholdAccountAsync();
        var acknowledged = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var firstTen = new TaskCompletionSource();
        var posting = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"concurrent-{i}";
                await community.PostAsync(community.Award(account, 1, key));
                acknowledged.Enqueue(key);
                if (i == 9)
                {
                    firstTen.SetResult();
                }
            }
        });
        await firstTen.Task;
        var before = acknowledged.ToArray();
        var (exit, output) = await Run(_db.Services, "backup", "--to", _folder);
        var countAfterBackup = acknowledged.Count;
        // Posting goes on after the backup: the service was never stopped for it.
        while (acknowledged.Count < countAfterBackup + 5)
        {
            await Task.Yield();
        }
        await stop.CancelAsync();
        await posting;

        Assert.That(exit, Is.Zero, output);
        var copy = Backups().Single();
        Assert.That(Path.GetFileName(copy), Does.Match(@"^[0-9a-f]{32}-20261115T020000Z\.db$"));
        Assert.That(output, Does.Contain($"backup: {copy} verifies"));
        Assert.That((await PointsBank.Data.Backups.VerifyFileAsync(copy, migrate: false)).Intact, Is.True);
        foreach (var key in before)
        {
            Assert.That(await CountAsync(copy, $"SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key LIKE '%{key}'"), Is.EqualTo(1),
                $"{key} was acknowledged before the backup started");
        }
        Assert.That(await CountAsync(copy, "SELECT COUNT(*) FROM ledger_transactions"),
            Is.LessThan(await CountAsync(_db.File!, "SELECT COUNT(*) FROM ledger_transactions")), "the live database went on posting");
    }

    [Test]
    public async Task Backup_KeepsOnlyTheNewestN_AndLeavesOtherFilesAlone()
    {
        var community = await _db.NewCommunityAsync();
        var (account, _) = await community.NewHouseholdAccountAsync();
        Directory.CreateDirectory(_folder);
        var unrelated = Path.Combine(_folder, "notes-20200101T000000Z.db");
        await File.WriteAllTextAsync(unrelated, "not ours");
        var names = new List<string>();
        for (var day = 0; day < 5; day++)
        {
            await community.PostAsync(community.Award(account, 1));
            var (exit, output) = await Run(_db.Services, "backup", "--to", _folder);
            Assert.That(exit, Is.Zero, output);
            names.Add(output.Split(' ')[1]);
            _db.Clock.Advance(TimeSpan.FromDays(1));
        }

        Assert.That(Backups(), Is.EquivalentTo(names.Skip(2).Append(unrelated)));
        Assert.That(await CountAsync(names[^1], "SELECT COUNT(*) FROM ledger_transactions"), Is.EqualTo(5));
    }

    [Test]
    public async Task BackupJob_TakesOneADay_FromTheFolderAlone()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite,
            s => s.Configure<BackupOptions>(o => (o.Folder, o.Keep) = (_folder, 14)));
        var job = db.Services.GetServices<IJob>().Single(j => j.Name == "backup");

        var first = await JobRegistry.RunOnceAsync(db.Services, job, CancellationToken.None);
        db.Clock.Advance(TimeSpan.FromHours(23));
        var sameDay = await JobRegistry.RunOnceAsync(db.Services, job, CancellationToken.None);
        db.Clock.Advance(TimeSpan.FromHours(2));
        var nextDay = await JobRegistry.RunOnceAsync(db.Services, job, CancellationToken.None);

        Assert.That((first, sameDay, nextDay), Is.EqualTo((1, 0, 1)));
        Assert.That(Backups(), Has.Length.EqualTo(2));
    }

    [Test]
    public async Task Restore_ReplacesTheDatabaseWithAVerifiedBackup_AndKeepsTheOneItReplaced()
    {
        var community = await _db.NewCommunityAsync();
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 10));
        var (backedUp, _) = await Run(_db.Services, "backup", "--to", _folder);
        Assert.That(backedUp, Is.Zero);
        await community.PostAsync(community.Award(account, 20));
        var file = Backups().Single();

        var (exit, output) = await Run(_db.Services, "restore", "--from", file);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain($"community {community.Id}: 1 transactions").And.Contain("verify: intact"));
        SqliteConnection.ClearAllPools();
        Assert.That((await community.BalanceAsync(account)).Balance, Is.EqualTo(10), "the posting after the backup is gone");
        var kept = Directory.GetFiles(Path.GetDirectoryName(_db.File!)!, Path.GetFileNameWithoutExtension(_db.File!) + ".before-restore-*.db").Single();
        Assert.That(output, Does.Contain(kept));
        Assert.That(await CountAsync(kept, "SELECT COUNT(*) FROM ledger_transactions"), Is.EqualTo(2));
    }

    [Test]
    public async Task Restore_OfAFileThatDoesNotVerify_ChangesNothing()
    {
        var community = await _db.NewCommunityAsync();
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 10));
        await Run(_db.Services, "backup", "--to", _folder);
        var file = Backups().Single();
        await using (var tamper = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await tamper.OpenAsync();
            await using var command = tamper.CreateCommand();
            command.CommandText = "DROP TRIGGER tr_ledger_postings_no_update; UPDATE ledger_postings SET amount = amount + 5 WHERE amount = 10;";
            await command.ExecuteNonQueryAsync();
        }
        await community.PostAsync(community.Award(account, 20));
        var junk = Path.Combine(_folder, "junk.db");
        await File.WriteAllTextAsync(junk, "this is not a database");

        var (exit, output) = await Run(_db.Services, "restore", "--from", file);
        var (junkExit, junkOutput) = await Run(_db.Services, "restore", "--from", junk);

        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("does not verify").And.Contain("nothing was restored"));
        Assert.That(junkExit, Is.EqualTo(1), junkOutput);
        Assert.That(junkOutput, Does.Contain("not a PointsBank database"));
        Assert.That((await community.BalanceAsync(account)).Balance, Is.EqualTo(30));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(_db.File!)!, Path.GetFileNameWithoutExtension(_db.File!) + ".*restor*"), Is.Empty);
    }

    [Test]
    public async Task Restore_IsRefused_WhileARunningServiceHoldsTheDatabase()
    {
        await using var app = new AppFactory();
        using var client = app.CreateClient(); // starts the host: it holds its database
        var community = await app.DemoCommunityAsync();
        var transactions = await app.ScalarAsync<long>("SELECT COUNT(*) FROM ledger_transactions");
        var (backedUp, backupOutput) = await Run(app.Services, "backup", "--to", _folder);
        Assert.That(backedUp, Is.Zero, backupOutput);

        var (exit, output) = await Run(app.Services, "restore", "--from", Backups().Single());

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("running PointsBank service holds").And.Contain("stop the service first"));
        Assert.That(await app.ScalarAsync<long>("SELECT COUNT(*) FROM ledger_transactions"), Is.EqualTo(transactions));
        Assert.That((await client.GetAsync("/health/ready")).IsSuccessStatusCode, Is.True);
        Assert.That(community, Is.Positive);
    }
}

/// <summary>`year-end` as an operator runs it for a year the job missed, on every engine (it names one community).</summary>
[NonParallelizable]
public abstract class YearEndVerbTests(DatabaseProvider provider)
{
    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [Test]
    public async Task YearEnd_PostsTheExpiriesOnce_AndRefusesAYearThatIsNotOver()
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var community = await db.NewCommunityAsync();
        var policy = (await db.Mediator.Send(new PointsBank.Features.Policy.GetPolicy(community.Id))).Value!;
        await db.Mediator.Send(new PointsBank.Features.Policy.UpdatePolicy(community.Id, policy.AccountMode, policy.NoticeDays,
            policy.PenaltyPolicy, "zero", null, policy.YuanPerPoint, policy.BackdateDays, policy.TransfersAllowed, policy.TransferScope));
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 9));
        db.Clock.Set(new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero));

        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        int early, first, second, usage;
        try
        {
            early = await Verbs.RunAsync(db.Services, ["year-end", "--community", $"{community.Id}", "--year", "2027"]);
            first = await Verbs.RunAsync(db.Services, ["year-end", "--community", $"{community.Id}", "--year", "2026"]);
            second = await Verbs.RunAsync(db.Services, ["year-end", "--community", $"{community.Id}", "--year", "2026"]);
            usage = await Verbs.RunAsync(db.Services, ["year-end", "--year", "2026"]);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }

        Assert.That((early, first, second, usage), Is.EqualTo((1, 0, 0, 2)), output.ToString());
        Assert.That(output.ToString(), Does.Contain("year_not_over")
            .And.Contain($"year-end 2026, community {community.Id} (zero): 1 expire transaction(s) posted now, 9 points")
            .And.Contain($"year-end 2026, community {community.Id} (zero): 0 expire transaction(s) posted now, 0 points"));
        Assert.That((await community.BalanceAsync(account)).Balance, Is.Zero);
    }
}

[TestFixture]
[NonParallelizable]
public sealed class SqliteYearEndVerbTests() : YearEndVerbTests(DatabaseProvider.Sqlite);

[TestFixture]
[NonParallelizable]
public sealed class SqlServerYearEndVerbTests() : YearEndVerbTests(DatabaseProvider.SqlServer);

/// <summary>
/// On SQL Server backups are the DBA's: the backup and restore verbs refuse and say so, and the daily backup job does
/// nothing (SQL Server only — the SQLite side is <see cref="BackupVerbTests"/>).
/// </summary>
[NonParallelizable]
public sealed class BackupOnSqlServerTests
{
    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(DatabaseProvider.SqlServer);

    [Test]
    public async Task BackupAndRestore_AreRefused_NamingTheDbasRoute_AndTheJobDoesNothing()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"backups-{Guid.NewGuid():N}");
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.SqlServer, s => s.Configure<BackupOptions>(o => o.Folder = folder));
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        int backup, restore;
        try
        {
            backup = await Verbs.RunAsync(db.Services, ["backup", "--to", folder]);
            restore = await Verbs.RunAsync(db.Services, ["restore", "--from", Path.Combine(folder, "pointsbank-20261115-020000.db")]);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
        var job = db.Services.GetServices<IJob>().Single(j => j.Name == "backup");
        var ran = await JobRegistry.RunOnceAsync(db.Services, job, CancellationToken.None);

        Assert.That(backup, Is.Not.Zero, output.ToString());
        Assert.That(restore, Is.Not.Zero, output.ToString());
        Assert.That(output.ToString(), Does.Contain("backup refused").And.Contain("restore refused").And.Contain("DBA's"));
        Assert.That(ran, Is.Zero);
        Assert.That(!Directory.Exists(folder) || Directory.GetFiles(folder).Length == 0, Is.True, "nothing written to the folder");
    }
}
