using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Cli;

/// <summary>
/// The write queue and group commit (issue 12) against the real executable: killed with SIGKILL while groups commit,
/// and two service processes on one SQLite file, each with its own queue. These run the built service as child
/// processes; they take tens of seconds, and prove what no in-process test can.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GroupCommitProcessTests
{
    private const int Clients = 20;

    private ProcessDatabase _db = null!;

    [SetUp]
    public async Task CreateDatabase() => _db = await ProcessDatabase.CreateAsync(accounts: 20);

    [TearDown]
    public void DeleteDatabase() => _db.Delete();

    private sealed record Answer(HttpStatusCode Status, long? Seq, bool Replayed, string Body);

    private static async Task<Answer> AwardAsync(HttpClient client, long community, string key, long account)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/communities/{community}/awards")
        {
            Content = new StringContent(ProcessDatabase.AwardBody(account), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        long? seq = null;
        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
        {
            seq = JsonDocument.Parse(body).RootElement.GetProperty("seq").GetInt64();
        }
        return new Answer(response.StatusCode, seq, response.Headers.Contains("Idempotent-Replayed"), body);
    }

    private async Task<Dictionary<string, long>> PostedKeysAsync() =>
        await _db.ReadAsync(async services =>
        {
            await using var connection = await services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
            var rows = await connection.QueryAsync<(string Key, long Seq)>(
                "SELECT idempotency_key, seq FROM ledger_transactions WHERE community_id = @c", new { c = _db.CommunityId });
            return rows.ToDictionary(r => r.Key, r => r.Seq);
        });

    private async Task<(long Count, long Min, long Max, long Distinct)> SeqsAsync() =>
        await _db.ReadAsync(async services =>
        {
            await using var connection = await services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
            return await connection.QuerySingleAsync<(long, long, long, long)>(
                "SELECT COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM ledger_transactions WHERE community_id = @c", new { c = _db.CommunityId });
        });

    private async Task<string?> FirstBreakAsync() =>
        await _db.ReadAsync(async services => (await services.GetRequiredService<LedgerVerifier>().VerifyAsync()).FirstBreak?.ToString());

    [Test]
    public async Task KilledWhileGroupsCommit_LosesNoAcknowledgedAward_AndTheClientsRetriesPostNothingTwice()
    {
        var sent = new ConcurrentDictionary<string, long>();
        var acknowledged = new ConcurrentDictionary<string, long>();
        var unexpected = new ConcurrentBag<string>();
        var service = await ServiceProcess.StartAsync(_db.File, _db.Keys);
        await using (service)
        {
            using var client = service.Client(_db.Token);
            var next = -1;
            async Task Client()
            {
                while (true)
                {
                    var i = Interlocked.Increment(ref next);
                    var key = $"crash-{i}";
                    var account = _db.Accounts[i % _db.Accounts.Length];
                    sent[key] = account;
                    try
                    {
                        var answer = await AwardAsync(client, _db.CommunityId, key, account);
                        if (answer.Status == HttpStatusCode.Created)
                        {
                            acknowledged[key] = answer.Seq!.Value;
                        }
                        else
                        {
                            unexpected.Add($"{key}: {(int)answer.Status} {answer.Body}");
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return; // the service is gone
                    }
                }
            }
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(Client)).ToArray();
            // Kill it in full flow, after a few hundred acknowledged awards (whatever time that takes here).
            while (acknowledged.Count < 400 && !clients.All(c => c.IsCompleted))
            {
                await Task.Delay(5);
            }
            await service.KillAsync();
            await Task.WhenAll(clients);
        }
        Assert.That(unexpected, Is.Empty, () => string.Join("\n", unexpected.Take(5)) + "\n" + service.Output);
        Assert.That(acknowledged.Count, Is.GreaterThanOrEqualTo(400), service.Output);

        // After the crash, before any retry: every acknowledged award is in the file, with the seq it was answered with.
        var afterCrash = await PostedKeysAsync();
        foreach (var (key, seq) in acknowledged)
        {
            Assert.That(afterCrash.GetValueOrDefault("client:" + key), Is.EqualTo(seq), $"acknowledged {key} survived the kill");
        }
        Assert.That(await FirstBreakAsync(), Is.Null, "verify passes after the kill");
        var inFlight = sent.Keys.Where(k => !acknowledged.ContainsKey(k)).ToList();
        var appliedUnanswered = inFlight.Count(k => afterCrash.ContainsKey("client:" + k));

        // The clients retry everything they sent, with the same keys: the acknowledged replay, the rest post once.
        var retried = new ConcurrentBag<(string Key, Answer Answer)>();
        var restarted = await ServiceProcess.StartAsync(_db.File, _db.Keys);
        await using (restarted)
        {
            using var client = restarted.Client(_db.Token);
            var queue = new ConcurrentQueue<string>(sent.Keys);
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (queue.TryDequeue(out var key))
                {
                    retried.Add((key, await AwardAsync(client, _db.CommunityId, key, sent[key])));
                }
            })));
        }
        TestContext.Out.WriteLine($"acknowledged before the kill: {acknowledged.Count}; in flight: {inFlight.Count}, of which committed " +
                                  $"but unanswered: {appliedUnanswered}; transactions after the kill: {afterCrash.Count}");

        Assert.Multiple(() =>
        {
            foreach (var (key, answer) in retried)
            {
                if (acknowledged.TryGetValue(key, out var seq) || afterCrash.TryGetValue("client:" + key, out seq))
                {
                    Assert.That((answer.Status, answer.Seq, answer.Replayed), Is.EqualTo((HttpStatusCode.OK, (long?)seq, true)), key);
                }
                else
                {
                    Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Created), $"{key}: {answer.Body}");
                }
            }
        });
        var posted = await PostedKeysAsync();
        Assert.That(posted.Keys, Is.EquivalentTo(sent.Keys.Select(k => "client:" + k)), "every key posted, none twice");
        var seqs = await SeqsAsync();
        Assert.That(seqs, Is.EqualTo(((long)sent.Count, 1L, (long)sent.Count, (long)sent.Count)), "gapless, no duplicate seq");
        Assert.That(await FirstBreakAsync(), Is.Null, "verify passes after the retries");
    }

    [Test]
    public async Task TwoServiceProcessesOnOneFile_PostConcurrently_WithoutLostDuplicatedOrOutOfOrderSeqs()
    {
        const int perClient = 15;
        var first = await ServiceProcess.StartAsync(_db.File, _db.Keys);
        await using var _1 = first;
        var second = await ServiceProcess.StartAsync(_db.File, _db.Keys);
        await using var _2 = second;
        using var a = first.Client(_db.Token);
        using var b = second.Client(_db.Token);
        var answers = new ConcurrentBag<(string Key, Answer Answer)>();

        // Half the clients on each process, all at once: each process's queue groups its own units, and the two
        // processes take turns at the file's write lock.
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var client = c % 2 == 0 ? a : b;
            for (var i = 0; i < perClient; i++)
            {
                var key = $"two-{c}-{i}";
                answers.Add((key, await AwardAsync(client, _db.CommunityId, key, _db.Accounts[(c + i) % _db.Accounts.Length])));
            }
        })));

        const int total = Clients * perClient;
        Assert.That(answers.Where(x => x.Answer.Status != HttpStatusCode.Created).Select(x => x.Answer.Body), Is.Empty,
            () => first.Output + second.Output);
        Assert.That(answers.Select(x => x.Answer.Seq).Distinct().Count(), Is.EqualTo(total), "every answer names its own seq");
        var posted = await PostedKeysAsync();
        Assert.That(posted.Count, Is.EqualTo(total));
        foreach (var (key, answer) in answers)
        {
            Assert.That(posted["client:" + key], Is.EqualTo(answer.Seq), key);
        }
        Assert.That(await SeqsAsync(), Is.EqualTo(((long)total, 1L, (long)total, (long)total)), "gapless, no duplicate seq");
        var ordered = await _db.ReadAsync(async services =>
        {
            await using var connection = await services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
            return (await connection.QueryAsync<DateTime>(
                "SELECT occurred_at FROM ledger_transactions WHERE community_id = @c ORDER BY seq", new { c = _db.CommunityId })).ToList();
        });
        Assert.That(ordered, Is.Ordered, "times never run backwards against seq");
        Assert.That(await FirstBreakAsync(), Is.Null, "verify passes");
        // Each process grouped some of its commits (its own counter is not visible from here; the balances are).
        var balances = await _db.ReadAsync(async services =>
        {
            await using var connection = await services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>(
                "SELECT SUM(balance) FROM balances b JOIN accounts a ON a.id = b.account_id WHERE a.community_id = @c AND a.kind = 'household'",
                new { c = _db.CommunityId });
        });
        Assert.That(balances, Is.EqualTo(total), "one point per award, all of them");
    }
}
