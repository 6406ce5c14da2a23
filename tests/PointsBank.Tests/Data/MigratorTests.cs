using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Data;

/// <summary>
/// The migrator on every engine, on a database of the test's own (these tests change the schema's own record). The
/// connection settings are SQLite's alone.
/// </summary>
public abstract class MigratorTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateOwnAsync(provider);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    private Migrator Migrator => _db.Services.GetRequiredService<Migrator>();

    [Test]
    public async Task Migrate_RecordsEveryScriptWithItsChecksum_AndIsANoOpTheSecondTime()
    {
        var again = await Migrator.MigrateAsync();

        var scripts = PointsBank.Data.Migrator.Scripts(provider);
        Assert.That(again.Applied, Is.Empty);
        Assert.That(again.AlreadyApplied, Is.EqualTo(scripts.Count));
        Assert.That(Convert.ToString(await _db.ScalarRawAsync("SELECT checksum FROM schema_migrations WHERE version = 1"))!.Trim(), Is.EqualTo(scripts[0].Checksum));
    }

    [Test]
    public async Task Migrate_RefusesWhenAnAppliedScriptWasChanged()
    {
        // What the database recorded no longer matches the script this build carries.
        await _db.ExecuteRawAsync("UPDATE schema_migrations SET checksum = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' WHERE version = 1");

        var error = Assert.ThrowsAsync<MigrationException>(() => Migrator.MigrateAsync());

        Assert.That(error!.Message, Does.Contain("0001_ledger was changed after it was applied"));
    }

    [Test]
    public async Task Migrate_RefusesAScriptTheBuildDoesNotKnow()
    {
        await _db.ExecuteRawAsync("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', '2026-01-01')");

        var error = Assert.ThrowsAsync<MigrationException>(() => Migrator.MigrateAsync());

        Assert.That(error!.Message, Does.Contain("0999_future"));
    }

    [Test]
    public async Task CheckOnly_RefusesPendingScripts()
    {
        var sqlServer = provider == DatabaseProvider.SqlServer ? await SqlServerScratch.CreateAsync() : null;
        await using DbDataSource fresh = sqlServer is null
            ? new SqliteDataSource($"Data Source={_db.File}-fresh")
            : SqlClientFactory.Instance.CreateDataSource(sqlServer);
        var migrator = new Migrator(fresh, provider == DatabaseProvider.Sqlite ? SqlDialect.Sqlite : SqlDialect.SqlServer, TimeProvider.System);
        try
        {
            var error = Assert.ThrowsAsync<MigrationException>(() => migrator.MigrateAsync(apply: false));

            Assert.That(error!.Message, Does.Contain("pending").And.Contain("migrate"));
        }
        finally
        {
            if (sqlServer is null)
            {
                SqliteConnection.ClearAllPools();
                File.Delete($"{_db.File}-fresh");
            }
            else
            {
                await SqlServerScratch.DropAsync(sqlServer);
            }
        }
    }

    [TestCase("PRAGMA journal_mode", "wal")]
    [TestCase("PRAGMA foreign_keys", 1L)]
    [TestCase("PRAGMA synchronous", 2L)]
    [TestCase("PRAGMA busy_timeout", 30000L)]
    public async Task SqliteConnections_HaveTheRequiredSettings(string pragma, object expected)
    {
        if (provider != DatabaseProvider.Sqlite)
        {
            Assert.Ignore("SQLite's connection settings (PRAGMA); SQL Server has none of them");
        }
        Assert.That(await _db.ScalarRawAsync(pragma), Is.EqualTo(expected));
    }

    [Test]
    public async Task ForeignKeys_AreEnforced()
    {
        var error = Assert.CatchAsync<DbException>(() =>
            _db.ExecuteRawAsync("INSERT INTO balances (account_id, community_id, balance, held, last_seq) VALUES (424242, 424242, 0, 0, 0)"));

        Assert.That(error!.Message, Does.Contain("FOREIGN KEY"));
    }
}

[TestFixture]
public sealed class SqliteMigratorTests() : MigratorTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerMigratorTests() : MigratorTests(DatabaseProvider.SqlServer);
