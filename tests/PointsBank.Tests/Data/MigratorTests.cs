using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Data;

public sealed class MigratorTests
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    private Migrator Migrator => _db.Services.GetRequiredService<Migrator>();

    [Test]
    public async Task Migrate_RecordsEveryScriptWithItsChecksum_AndIsANoOpTheSecondTime()
    {
        var again = await Migrator.MigrateAsync();

        var scripts = PointsBank.Data.Migrator.Scripts(DatabaseProvider.Sqlite);
        Assert.That(again.Applied, Is.Empty);
        Assert.That(again.AlreadyApplied, Is.EqualTo(scripts.Count));
        Assert.That(await _db.ScalarRawAsync("SELECT checksum FROM schema_migrations WHERE version = 1"), Is.EqualTo(scripts[0].Checksum));
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
        await using var fresh = new SqliteDataSource($"Data Source={_db.File}-fresh");
        var migrator = new Migrator(fresh, SqlDialect.Sqlite, TimeProvider.System);
        try
        {
            var error = Assert.ThrowsAsync<MigrationException>(() => migrator.MigrateAsync(apply: false));

            Assert.That(error!.Message, Does.Contain("pending").And.Contain("migrate"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete($"{_db.File}-fresh");
        }
    }

    [TestCase("PRAGMA journal_mode", "wal")]
    [TestCase("PRAGMA foreign_keys", 1L)]
    [TestCase("PRAGMA synchronous", 2L)]
    [TestCase("PRAGMA busy_timeout", 30000L)]
    public async Task SqliteConnections_HaveTheRequiredSettings(string pragma, object expected)
    {
        Assert.That(await _db.ScalarRawAsync(pragma), Is.EqualTo(expected));
    }

    [Test]
    public async Task ForeignKeys_AreEnforced()
    {
        var error = Assert.ThrowsAsync<SqliteException>(() =>
            _db.ExecuteRawAsync("INSERT INTO balances (account_id, community_id, balance, held, last_seq) VALUES (424242, 424242, 0, 0, 0)"));

        Assert.That(error!.Message, Does.Contain("FOREIGN KEY"));
    }
}
