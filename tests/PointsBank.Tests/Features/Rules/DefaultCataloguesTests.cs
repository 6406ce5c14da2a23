using Dapper;
using PointsBank.Data;
using PointsBank.Features.Rules;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Rules;

/// <summary>
/// A community made before the rules engine (no catalogue) gets the default catalogue when the service starts or the
/// migrate verb runs; a community with its own catalogue keeps it untouched, and running it again adds nothing. On
/// every engine; the old community gets whatever id the database gives it (a shared SQL Server holds other tests'
/// communities), and only this test's communities are asserted on.
/// </summary>
public abstract class DefaultCataloguesTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase() => _db = await TestDatabase.CreateAsync(provider);

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task<long> CataloguesAsync(long communityId) =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM rule_catalogue_versions WHERE community_id = {communityId}"));

    // As a community made under schema 0001–0003 looks: its row and its chain head, no catalogue.
    private async Task<long> OldCommunityAsync()
    {
        var code = $"old-{Guid.NewGuid():N}"[..30];
        await using var connection = await _db.Db.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO communities (code, name, created_at) VALUES (@code, @name, @at)",
            new { code, name = "老村", at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        var id = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = @code", new { code });
        await connection.ExecuteAsync("INSERT INTO chain_heads (community_id, last_seq, last_hash, updated_at) VALUES (@id, 0, @genesis, @at)",
            new { id, genesis = new string('0', 64), at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        return id;
    }

    [Test]
    public async Task ACommunityWithoutACatalogue_GetsTheDefaults_Once_AndOthersKeepTheirs()
    {
        var current = await _db.NewCommunityAsync();
        var old = await OldCommunityAsync();
        var before = await CataloguesAsync(current.Id);
        Assert.That(await CataloguesAsync(old), Is.Zero);

        var first = await DefaultCatalogues.AdoptWhereMissingAsync(_db.Services, CancellationToken.None);
        var second = await DefaultCatalogues.AdoptWhereMissingAsync(_db.Services, CancellationToken.None);

        Assert.That(first, Does.Contain(old).And.Not.Contain(current.Id));
        Assert.That(second, Does.Not.Contain(old).And.Not.Contain(current.Id));
        if (provider == DatabaseProvider.Sqlite)
        {
            Assert.That(first, Is.EqualTo(new[] { old }), "this test's own file holds no other community without a catalogue");
            Assert.That(second, Is.Empty);
        }
        Assert.That(await CataloguesAsync(old), Is.EqualTo(1));
        Assert.That(await CataloguesAsync(current.Id), Is.EqualTo(before), "a community with a catalogue keeps it");
        var rules = await _db.Mediator.Send(new ListRules(old));
        Assert.That(rules.Value!.Select(r => r.Code), Does.Contain("waste_sorting").And.Contain("security_patrol"));
        Assert.That(Convert.ToString(await _db.ScalarRawAsync($"SELECT recorded_by FROM rule_catalogue_versions WHERE community_id = {old}")),
            Is.EqualTo("upgrade:default-rules"));
    }
}

[TestFixture]
public sealed class SqliteDefaultCataloguesTests() : DefaultCataloguesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerDefaultCataloguesTests() : DefaultCataloguesTests(DatabaseProvider.SqlServer);
