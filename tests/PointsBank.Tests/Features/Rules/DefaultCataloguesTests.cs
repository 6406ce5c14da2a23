using PointsBank.Data;
using PointsBank.Features.Rules;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Rules;

/// <summary>
/// A community made before the rules engine (no catalogue) gets the default catalogue when the service starts or the
/// migrate verb runs; a community with its own catalogue keeps it untouched, and running it again adds nothing.
/// </summary>
public sealed class DefaultCataloguesTests
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task CreateDatabase() => _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private async Task<long> CataloguesAsync(long communityId) =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM rule_catalogue_versions WHERE community_id = {communityId}"));

    [Test]
    public async Task ACommunityWithoutACatalogue_GetsTheDefaults_Once_AndOthersKeepTheirs()
    {
        var current = await _db.NewCommunityAsync();
        // As a community made under schema 0001–0003 looks: its row and its chain head, no catalogue.
        await _db.ExecuteRawAsync("INSERT INTO communities (id, code, name, created_at) VALUES (900, 'old-village', '老村', '2026-01-01T00:00:00.000Z')");
        await _db.ExecuteRawAsync($"INSERT INTO chain_heads (community_id, last_seq, last_hash, updated_at) VALUES (900, 0, '{new string('0', 64)}', '2026-01-01T00:00:00.000Z')");
        var before = await CataloguesAsync(current.Id);

        var first = await DefaultCatalogues.AdoptWhereMissingAsync(_db.Services, CancellationToken.None);
        var second = await DefaultCatalogues.AdoptWhereMissingAsync(_db.Services, CancellationToken.None);

        Assert.That(first, Is.EqualTo(new[] { 900L }));
        Assert.That(second, Is.Empty);
        Assert.That(await CataloguesAsync(900), Is.EqualTo(1));
        Assert.That(await CataloguesAsync(current.Id), Is.EqualTo(before), "a community with a catalogue keeps it");
        var rules = await _db.Mediator.Send(new ListRules(900));
        Assert.That(rules.Value!.Select(r => r.Code), Does.Contain("waste_sorting").And.Contain("security_patrol"));
        Assert.That(Convert.ToString(await _db.ScalarRawAsync("SELECT recorded_by FROM rule_catalogue_versions WHERE community_id = 900")),
            Is.EqualTo("upgrade:default-rules"));
    }
}
