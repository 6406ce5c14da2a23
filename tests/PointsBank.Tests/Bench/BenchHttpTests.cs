using Microsoft.Data.Sqlite;
using PointsBank.Bench;

namespace PointsBank.Tests.Bench;

/// <summary>
/// The benchmark's (h) part against the real service: an award goes through over TCP, and anything but a fresh
/// 201 (here a replayed key) stops the run instead of being counted.
/// </summary>
public sealed class BenchHttpTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"bench-{Guid.NewGuid():N}");

    [TearDown]
    public void Delete()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task HttpAward_IsCreatedThroughTheService_AndAReplayedKeyStopsTheRun()
    {
        Directory.CreateDirectory(_folder);
        await using var http = await BenchHttp.StartAsync(Path.Combine(_folder, "bench.db"), Path.Combine(_folder, "keys"), 3, CancellationToken.None);
        var items = BenchWorkload.Items(2, 1, http.Accounts.Length);
        var bodies = http.Bodies(items);

        await http.AwardAsync(bodies[0], items[0].Key, CancellationToken.None);
        await http.AwardAsync(bodies[1], items[1].Key, CancellationToken.None);
        var replay = Assert.ThrowsAsync<InvalidOperationException>(() => http.AwardAsync(bodies[0], items[0].Key, CancellationToken.None));
        Assert.DoesNotThrowAsync(() => http.PingAsync(CancellationToken.None), "(h0), the empty exchange, answers through the same client");

        Assert.That(http.Address.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(http.Accounts, Has.Length.EqualTo(3));
        Assert.That(replay!.Message, Does.Contain("200"));
    }
}
