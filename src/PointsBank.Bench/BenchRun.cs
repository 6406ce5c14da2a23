using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Infrastructure;
using PointsBank.Ledger;


namespace PointsBank.Bench;

/// <summary>One benchmark run: setup, the measurements (a) to (e) and (h) in a fixed order, the report.</summary>
internal sealed class BenchRun(BenchOptions options, TextWriter output)
{
    private const double BatchedTarget = 0.5;
    // DESIGN §12: a guard, since the projections written in the same commit put the floor near 0.75 on this disk.
    private const double SingleTarget = 0.7;
    private const double ScaleTarget = 0.9;
    private const double HttpTarget = 0.8;

    /// <summary>Household accounts of the HTTP community (at most): each is two requests to set up.</summary>
    private const int HttpAccounts = 1_000;

    /// <summary>
    /// Measurements alternate raw and ledger in rounds, so drift (fsync latency on this VM varies by 2x within
    /// seconds, checkpoints, other load) hits both alike: batched parts in 20 rounds, single-commit parts in rounds of
    /// 50 items.
    /// </summary>
    private const int BatchedRounds = 20;
    private const int SingleRoundItems = 50;

    private static readonly TimeSpan WarmupTime = TimeSpan.FromMilliseconds(500);

    /// <summary>At most this many single awards warm up each (e) measurement.</summary>
    private const int ScaleWarmup = 2_000;

    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly List<Figure> _figures = [];
    private Figure? _a, _b, _c, _d, _h, _h0;
    private BenchHttp _http = null!;
    private readonly List<BenchCounter.Rate> _counter = [];
    private readonly List<Concurrent> _concurrent = [];
    private readonly List<Concurrent> _ledgerConcurrent = [];
    private Concurrent? _ping;

    /// <summary>(h) at several clients, closed loop: DESIGN §12 asks 20 clients for at least twice (d), p99 under 50 ms, at most 0.3 fsyncs per award.</summary>
    private static readonly int[] ClientCounts = [1, 4, 20];
    private const double ConcurrentTarget = 2.0;
    private const double ConcurrentP99TargetMs = 50;
    private const double FsyncsPerAwardTarget = 0.3;

    /// <summary>HTTP awards from several clients at once: throughput, latency and the service's commits (fsyncs) per award.</summary>
    private sealed record Concurrent(string Part, int Clients, int Count, TimeSpan Elapsed, TimeSpan Cpu, double P50Ms, double P99Ms, double MaxMs, long Commits, long Groups, long Units)
    {
        /// <summary>CPU of the whole bench process (clients and service alike) per item, in ms: on 2 cores, 2,000 / this is the most items per second.</summary>
        public double CpuMs => Cpu.TotalMilliseconds / Count;

        public string Label => Part + (Clients == 1 ? "" : "s");

        public double Rate => Count / Elapsed.TotalSeconds;
        public double CommitsPerAward => Commits / (double)Count;
        public double UnitsPerGroup => Groups == 0 ? 0 : Units / (double)Groups;
    }

    /// <summary>(i): the open-loop rates of counter confirmations, and DESIGN §12's p99 target at the busiest.</summary>
    private static readonly int[] CounterRates = [50, 100, 200];
    private const double CounterP99TargetMs = 20;
    private DbDataSource _db = null!;
    private SqlDialect _dialect = null!;
    private PointsLedger _ledger = null!;
    private int _seed = 1000;

    private sealed record Figure(string Label, long Items, TimeSpan Time, double MinRound, double MaxRound)
    {
        public double Rate => Items / Time.TotalSeconds;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var path = Path.GetFullPath(options.File ?? Path.Combine(Path.GetTempPath(), "pointsbank-bench", $"bench-{Environment.ProcessId}.db"));
        var keys = Path.Combine(Path.GetTempPath(), "pointsbank-bench", $"keys-{Environment.ProcessId}");
        DeleteDatabase(path);
        var databaseOptions = new DatabaseOptions
        {
            Provider = DatabaseProvider.Sqlite,
            ConnectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString(),
        };
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(_clock)
            .AddPointsBank(databaseOptions)
            .BuildServiceProvider();
        try
        {
            _db = services.GetRequiredService<DbDataSource>();
            _dialect = services.GetRequiredService<SqlDialect>();
            _ledger = services.GetRequiredService<PointsLedger>();
            await services.GetRequiredService<Migrator>().MigrateAsync(ct: ct);
            await PointsBank.Infrastructure.DataProtectionKeys.PrepareAsync(services, ct);
            _http = await BenchHttp.StartAsync(path, keys, Math.Min(options.Accounts, HttpAccounts), ct);
            await RunPartsAsync(path, ct);
            output.WriteLine();
            output.WriteLine($"whole run: {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s; database file {new FileInfo(path).Length / 1048576.0:0} MB; " +
                $"load average at the end {LoadAverage()} (other processes on the machine skew every figure: check it is near 0 before and after)");
        }
        finally
        {
            if (_http is not null)
            {
                await _http.DisposeAsync();
            }
            if (Directory.Exists(keys))
            {
                Directory.Delete(keys, recursive: true);
            }
            await services.DisposeAsync();
            SqliteConnection.ClearAllPools();
            if (options.File is null && !options.Keep)
            {
                DeleteDatabase(path);
            }
            else
            {
                output.WriteLine($"kept {path}");
            }
        }
    }

    private async Task RunPartsAsync(string path, CancellationToken ct)
    {
        var raw = await BenchWorkload.CreateCommunityAsync(_db, _dialect, _ledger, _clock, "bench-raw", "基准村甲", options.Accounts, ct);
        var batched = await BenchWorkload.CreateCommunityAsync(_db, _dialect, _ledger, _clock, "bench-ledger", "基准村乙", options.Accounts, ct);
        var scale = await BenchWorkload.CreateCommunityAsync(_db, _dialect, _ledger, _clock, "bench-scale", "基准村丙", options.Accounts, ct);
        await using var rawWriter = await BenchRaw.OpenAsync(_db, raw, _clock, ct);
        await PrintHeaderAsync(rawWriter.Connection, path);

        // Warm the whole process first (JIT tiering, the GC's heap sizing, SQLite's caches), on the communities the
        // batched and single parts use later: otherwise the first measurement, (e) at 10k, runs on a colder process
        // than (e) at 1M and the ratio flatters the ledger (seen: ~20% slower at 10k than (d) a minute later).
        await WarmProcessAsync(batched, rawWriter, ct);

        // (e) first half: the scale community at ~10k entries, while the whole file is still small. The community
        // is grown to 8k entries and reaches ~10k with the measurement's own warm-up (up to 2,000 awards, 2 s).
        var scaleCount = await GrowAsync(scale, 0, Math.Max(0, options.SmallLedger - ScaleWarmup), ct);
        var (small, smallControl, smallAt) = await MeasureScaleAsync(scale, rawWriter, scaleCount, ct);
        scaleCount = smallAt + small.Items;

        // (a) and (b): batched, identical rows (same seed) into two communities, alternating in rounds.
        {
            var warmup = BenchWorkload.Items(20 * options.Batch, NextSeed(), options.Accounts);
            var items = BenchWorkload.Items(options.Count, NextSeed(), options.Accounts);
            var warmupEntries = BenchWorkload.Entries(batched, warmup);
            var entries = BenchWorkload.Entries(batched, items);
            await WarmupAsync(warmup.Length / options.Batch, i =>
            {
                rawWriter.WriteBatch(warmup.AsSpan(i * options.Batch, options.Batch));
                return Task.CompletedTask;
            });
            await WarmupAsync(warmup.Length / options.Batch, i => PostBatchAsync(new ArraySegment<LedgerEntry>(warmupEntries, i * options.Batch, options.Batch), ct));
            var (a, b) = await InterleaveAsync(items.Length, options.Batch,
                "(a) raw batched INSERT", (from, count) =>
                {
                    for (var i = from; i < from + count; i += options.Batch)
                    {
                        rawWriter.WriteBatch(items.AsSpan(i, Math.Min(options.Batch, from + count - i)));
                    }
                    return Task.CompletedTask;
                },
                "(b) ledger PostBatchAsync", async (from, count) =>
                {
                    for (var i = from; i < from + count; i += options.Batch)
                    {
                        await PostBatchAsync(new ArraySegment<LedgerEntry>(entries, i, Math.Min(options.Batch, from + count - i)), ct);
                    }
                });
            _figures.Add(a);
            _figures.Add(b);
            (_a, _b) = (a, b);
        }

        // (c), (d) and (h): one database transaction (one commit, one fsync) per item; (h) is an award over HTTP through
        // the whole service, one client, into its own community in the same file.
        {
            var warmup = BenchWorkload.Items(2_000, NextSeed(), options.Accounts);
            var items = BenchWorkload.Items(options.Single, NextSeed(), options.Accounts);
            var warmupEntries = BenchWorkload.Entries(batched, warmup);
            var entries = BenchWorkload.Entries(batched, items);
            var httpWarmup = BenchWorkload.Items(2_000, NextSeed(), _http.Accounts.Length);
            var httpItems = BenchWorkload.Items(options.Single, NextSeed(), _http.Accounts.Length);
            var httpWarmupBodies = _http.Bodies(httpWarmup);
            var httpBodies = _http.Bodies(httpItems);
            await WarmupAsync(warmup.Length, i =>
            {
                rawWriter.WriteEach(warmup.AsSpan(i, 1));
                return Task.CompletedTask;
            });
            await WarmupAsync(warmup.Length, i => PostAsync(warmupEntries[i], ct));
            await WarmupAsync(httpWarmup.Length, i => _http.AwardAsync(httpWarmupBodies[i], httpWarmup[i].Key, ct));
            await WarmupAsync(httpWarmup.Length, _ => _http.PingAsync(ct));
            var figures = await InterleaveAsync(items.Length, 1,
                ("(c) raw INSERT, 1 item per commit", (from, count) =>
                {
                    rawWriter.WriteEach(items.AsSpan(from, count));
                    return Task.CompletedTask;
                }),
                ("(d) ledger PostAsync", async (from, count) =>
                {
                    for (var i = from; i < from + count; i++)
                    {
                        await PostAsync(entries[i], ct);
                    }
                }),
                ("(h) HTTP POST …/awards, 1 client", async (from, count) =>
                {
                    for (var i = from; i < from + count; i++)
                    {
                        await _http.AwardAsync(httpBodies[i], httpItems[i].Key, ct);
                    }
                }),
                ("(h0) HTTP GET /health/live, 1 client", async (from, count) =>
                {
                    for (var i = from; i < from + count; i++)
                    {
                        await _http.PingAsync(ct);
                    }
                }));
            _figures.AddRange(figures);
            (_c, _d, _h, _h0) = (figures[0], figures[1], figures[2], figures[3]);
        }

        // (h) at 1, 4 and 20 clients: the write queue's group commit under concurrency; (g) the ledger's own posting at
        // as many callers, through the same kind of queue, without HTTP.
        await MeasureConcurrentAsync(ct);
        await MeasureLedgerConcurrentAsync(batched, ct);

        // (i): counter confirmations over HTTP, open loop at 50, 100 and 200 per second, on the HTTP community.
        await MeasureCounterAsync(ct);

        // (e) second half: grow the same community to the full scale with large batches, then measure again.
        scaleCount = await GrowAsync(scale, scaleCount, options.Scale, ct);
        var (large, largeControl, largeAt) = await MeasureScaleAsync(scale, rawWriter, scaleCount, ct);

        if (options.Profile)
        {
            await ProfileAsync(raw, batched, ct);
        }

        PrintResults(small, smallControl, smallAt, large, largeControl, largeAt);
    }

    private async Task MeasureConcurrentAsync(CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine("(h) HTTP awards at 1, 4 and 20 clients, closed loop (each client sends its next award when the last one answered):");
        foreach (var clients in ClientCounts)
        {
            var warmup = BenchWorkload.Items(Math.Min(options.Single, 50 * clients), NextSeed(), _http.Accounts.Length);
            var items = BenchWorkload.Items(options.Single, NextSeed(), _http.Accounts.Length);
            var warmupBodies = _http.Bodies(warmup);
            var bodies = _http.Bodies(items);
            await ClientsAsync(clients, warmup.Length, i => _http.AwardAsync(warmupBodies[i], warmup[i].Key, ct), null);
            await Task.Delay(200, ct);
            var latencies = new double[items.Length];
            var (commits, groups, units) = (_http.Commits, _http.Queue.Groups, _http.Queue.Units);
            var (elapsed, cpu) = await TimeWithCpuAsync(() => ClientsAsync(clients, items.Length, i => _http.AwardAsync(bodies[i], items[i].Key, ct), latencies));
            Array.Sort(latencies);
            var figure = new Concurrent($"(h) HTTP POST …/awards, {clients} client", clients, items.Length, elapsed, cpu, BenchCounter.Percentile(latencies, 0.50), BenchCounter.Percentile(latencies, 0.99),
                latencies[^1], _http.Commits - commits, _http.Queue.Groups - groups, _http.Queue.Units - units);
            _concurrent.Add(figure);
            output.WriteLine($"  {ConcurrentLine(figure)}");
        }
        {
            // The empty exchange at the busiest level: what the HTTP layer alone costs per request under concurrency.
            var clients = ClientCounts[^1];
            await ClientsAsync(clients, Math.Min(options.Single, 50 * clients), _ => _http.PingAsync(ct), null);
            var latencies = new double[options.Single];
            var (elapsed, cpu) = await TimeWithCpuAsync(() => ClientsAsync(clients, latencies.Length, _ => _http.PingAsync(ct), latencies));
            Array.Sort(latencies);
            _ping = new Concurrent($"(h0) HTTP GET /health/live, {clients} client", clients, latencies.Length, elapsed, cpu, BenchCounter.Percentile(latencies, 0.50),
                BenchCounter.Percentile(latencies, 0.99), latencies[^1], 0, 0, 0);
            output.WriteLine($"  {ConcurrentLine(_ping)}");
        }
    }

    private static async Task<(TimeSpan Elapsed, TimeSpan Cpu)> TimeWithCpuAsync(Func<Task> work)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var elapsed = await TimeAsync(work);
        return (elapsed, Environment.CpuUsage.TotalTime - cpu);
    }

    /// <summary>Closed loop: <paramref name="clients"/> callers at once, each starting item i when its last one answered, until <paramref name="count"/> items ran.</summary>
    private static async Task ClientsAsync(int clients, int count, Func<int, Task> item, double[]? latencies)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await item(i);
                if (latencies is not null)
                {
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
        })));
    }

    /// <summary>
    /// (g): the ledger's own single postings (as (d)) from 1, 4 and 20 callers at once, closed loop, through the bench's
    /// own write queue — no HTTP, no request key, no audit row. What the one writer does with the ledger's work alone:
    /// (h) at as many clients cannot pass it, since every award does this work in the writer's turn and more besides.
    /// </summary>
    private async Task MeasureLedgerConcurrentAsync(BenchCommunity community, CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine("(g) the ledger's single postings at 1, 4 and 20 callers through the write queue, no HTTP (the ceiling of (h) at as many clients):");
        var queue = _ledger.Queue!;
        var commits = (SqliteDataSource)_db;
        foreach (var callers in ClientCounts)
        {
            var warmup = BenchWorkload.Entries(community, BenchWorkload.Items(Math.Min(options.Single, 50 * callers), NextSeed(), options.Accounts));
            var entries = BenchWorkload.Entries(community, BenchWorkload.Items(options.Single, NextSeed(), options.Accounts));
            await ClientsAsync(callers, warmup.Length, i => PostAsync(warmup[i], ct), null);
            var latencies = new double[entries.Length];
            var (before, groups, units) = (commits.Commits, queue.Groups, queue.Units);
            var (elapsed, cpu) = await TimeWithCpuAsync(() => ClientsAsync(callers, entries.Length, i => PostAsync(entries[i], ct), latencies));
            Array.Sort(latencies);
            var figure = new Concurrent($"(g) ledger PostAsync, {callers} caller", callers, entries.Length, elapsed, cpu, BenchCounter.Percentile(latencies, 0.50),
                BenchCounter.Percentile(latencies, 0.99), latencies[^1], commits.Commits - before, queue.Groups - groups, queue.Units - units);
            _ledgerConcurrent.Add(figure);
            output.WriteLine($"  {ConcurrentLine(figure)}");
        }
    }

    private static string ConcurrentLine(Concurrent c) =>
        $"{c.Label,-44} {c.Count,9:N0} items {c.Elapsed.TotalSeconds,8:0.00} s {c.Rate,10:N0} /s   " +
        $"p50 {c.P50Ms:0.0} ms  p99 {c.P99Ms:0.0} ms  max {c.MaxMs:0.0} ms  cpu/item {c.CpuMs:0.00} ms" +
        (c.Groups == 0 ? "" : $"  fsyncs/award {c.CommitsPerAward:0.00}  units/group {c.UnitsPerGroup:0.0}");

    private async Task MeasureCounterAsync(CancellationToken ct)
    {
        var counter = new BenchCounter(_http);
        var seconds = options.Quick ? 2 : 10;
        var warmup = 100;
        var total = warmup + CounterRates.Sum(rate => rate * seconds);
        output.WriteLine();
        output.WriteLine($"(i) counter: a shop, a product, points and {total:N0} vouchers made through the API (not timed)...");
        await counter.SetUpAsync(total, ct);
        var codes = await counter.IssueAsync(total, ct);
        await counter.RunAsync(codes[..warmup], 50, ct);
        var used = warmup;
        foreach (var rate in CounterRates)
        {
            var figure = await counter.RunAsync(codes[used..(used + rate * seconds)], rate, ct);
            used += rate * seconds;
            _counter.Add(figure);
            output.WriteLine($"  {CounterLine(figure)}");
        }
    }

    private static string CounterLine(BenchCounter.Rate r) =>
        $"{$"(i) HTTP POST …/redemptions, {r.PerSecond}/s open loop",-44} {r.Count,9:N0} items {r.Elapsed.TotalSeconds,8:0.00} s {r.Achieved,10:N0} /s   " +
        $"p50 {r.P50Ms:0.0} ms  p99 {r.P99Ms:0.0} ms  max {r.MaxMs:0.0} ms";

    private async Task WarmProcessAsync(BenchCommunity batched, BenchRaw rawWriter, CancellationToken ct)
    {
        var time = options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(4);
        var batches = BenchWorkload.Entries(batched, BenchWorkload.Items(10 * options.Batch, NextSeed(), options.Accounts));
        var singles = BenchWorkload.Entries(batched, BenchWorkload.Items(5_000, NextSeed(), options.Accounts));
        var rawItems = BenchWorkload.Items(10 * options.Batch + 5_000, NextSeed(), options.Accounts);
        var httpItems = BenchWorkload.Items(5_000, NextSeed(), _http.Accounts.Length);
        var httpBodies = _http.Bodies(httpItems);
        output.WriteLine($"warming up: ledger and raw, batched and single, and HTTP awards, about {5 * time.TotalSeconds:0} s...");
        await WarmupAsync(10, i => PostBatchAsync(new ArraySegment<LedgerEntry>(batches, i * options.Batch, options.Batch), ct), time);
        await WarmupAsync(singles.Length, i => PostAsync(singles[i], ct), time);
        await WarmupAsync(10, i =>
        {
            rawWriter.WriteBatch(rawItems.AsSpan(i * options.Batch, options.Batch));
            return Task.CompletedTask;
        }, time);
        await WarmupAsync(5_000, i =>
        {
            rawWriter.WriteEach(rawItems.AsSpan(10 * options.Batch + i, 1));
            return Task.CompletedTask;
        }, time);
        await WarmupAsync(httpItems.Length, i => _http.AwardAsync(httpBodies[i], httpItems[i].Key, ct), time);
    }

    /// <summary>(e): single awards through PostAsync on the scale community, alternating with raw single commits as a control of disk speed.</summary>
    private async Task<(Figure Ledger, Figure Control, long Entries)> MeasureScaleAsync(BenchCommunity scale, BenchRaw rawWriter,
        long entries, CancellationToken ct)
    {
        var warmup = BenchWorkload.Items(ScaleWarmup, NextSeed(), options.Accounts);
        var items = BenchWorkload.Items(options.Single, NextSeed(), options.Accounts);
        var control = BenchWorkload.Items(options.Single, NextSeed(), options.Accounts);
        var warmupEntries = BenchWorkload.Entries(scale, warmup);
        var entriesToPost = BenchWorkload.Entries(scale, items);
        await SettleAsync(rawWriter.Connection);
        entries += await WarmupAsync(warmup.Length, i => PostAsync(warmupEntries[i], ct), TimeSpan.FromSeconds(2));
        var label = $"(e) ledger PostAsync at {Size(entries)} entries";
        var (ledger, raw) = await InterleaveAsync(items.Length, 1,
            label, async (from, count) =>
            {
                for (var i = from; i < from + count; i++)
                {
                    await PostAsync(entriesToPost[i], ct);
                }
            },
            $"    control: raw INSERT, 1 item per commit, same moment", (from, count) =>
            {
                rawWriter.WriteEach(control.AsSpan(from, count));
                return Task.CompletedTask;
            });
        _figures.Add(ledger);
        _figures.Add(raw);
        return (ledger, raw, entries);
    }

    /// <summary>
    /// Before each (e) measurement: empty the WAL into the database file and pause, so that neither measurement pays
    /// for the write-back of what came before it (growing to 1M writes ~900 MB) and both start from the same state.
    /// </summary>
    private async Task SettleAsync(SqliteConnection connection)
    {
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await command.ExecuteNonQueryAsync();
        }
        await Task.Delay(options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5));
    }

    /// <summary>Posts awards to the community in batches of the ledger's maximum size until it holds <paramref name="target"/> entries.</summary>
    private async Task<long> GrowAsync(BenchCommunity community, long current, long target, CancellationToken ct)
    {
        if (current >= target)
        {
            return current;
        }
        output.WriteLine($"growing {community.Code} from {current:N0} to {target:N0} entries with PostBatchAsync ({PointsLedger.MaxBatchSize:N0} per batch)...");
        var started = Stopwatch.GetTimestamp();
        var reported = started;
        var first = current;
        while (current < target)
        {
            var count = (int)Math.Min(PointsLedger.MaxBatchSize, target - current);
            var entries = BenchWorkload.Entries(community, BenchWorkload.Items(count, NextSeed(), options.Accounts));
            await PostBatchAsync(entries, ct);
            current += count;
            if (Stopwatch.GetElapsedTime(reported) > TimeSpan.FromSeconds(15) || current == target)
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                output.WriteLine($"  {current,12:N0} entries, {elapsed,6:0.0} s, {(current - first) / elapsed,8:0} items/s");
                reported = Stopwatch.GetTimestamp();
            }
        }
        return current;
    }

    /// <summary>
    /// Runs both parts over the same <paramref name="total"/> items' worth of work in rounds, alternating which goes
    /// first; each part's time is the sum of its rounds.
    /// </summary>
    private async Task<(Figure First, Figure Second)> InterleaveAsync(int total, int unit, string firstLabel, Func<int, int, Task> first,
        string secondLabel, Func<int, int, Task> second)
    {
        var figures = await InterleaveAsync(total, unit, (firstLabel, first), (secondLabel, second));
        return (figures[0], figures[1]);
    }

    /// <summary>
    /// Runs every part over its share of <paramref name="total"/> items in rounds (see <see cref="BatchedRounds"/>); round r starts
    /// with part r mod n, so no part always runs first or last. Each part's time is the sum of its rounds, and the
    /// slowest and fastest round are kept to show the spread.
    /// </summary>
    private async Task<Figure[]> InterleaveAsync(int total, int unit, params (string Label, Func<int, int, Task> Run)[] parts)
    {
        var rounds = Math.Max(1, Math.Min(unit > 1 ? BatchedRounds : Math.Max(10, total / SingleRoundItems), total / unit));
        var perRound = total / unit / rounds * unit;
        var times = new TimeSpan[rounds, parts.Length];
        var counts = new int[rounds];
        for (var r = 0; r < rounds; r++)
        {
            var from = r * perRound;
            var count = r == rounds - 1 ? total - from : perRound;
            counts[r] = count;
            for (var k = 0; k < parts.Length; k++)
            {
                var p = (r + k) % parts.Length;
                times[r, p] = await TimeAsync(() => parts[p].Run(from, count));
            }
        }
        var figures = new Figure[parts.Length];
        for (var p = 0; p < parts.Length; p++)
        {
            var rates = Enumerable.Range(0, rounds).Select(r => counts[r] / times[r, p].TotalSeconds).ToArray();
            var sum = TimeSpan.FromTicks(Enumerable.Range(0, rounds).Sum(r => times[r, p].Ticks));
            figures[p] = new Figure(parts[p].Label, total, sum, rates.Min(), rates.Max());
            output.WriteLine($"  {Line(figures[p])}");
        }
        return figures;
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> work)
    {
        var started = Stopwatch.GetTimestamp();
        await work();
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Runs steps until at least <see cref="WarmupTime"/> passed (and a few steps ran), then lets the JIT's background tier-up finish.</summary>
    private static async Task<int> WarmupAsync(int available, Func<int, Task> step, TimeSpan? time = null)
    {
        var started = Stopwatch.GetTimestamp();
        var done = 0;
        while (done < available && (done < 3 || Stopwatch.GetElapsedTime(started) < (time ?? WarmupTime)))
        {
            await step(done++);
        }
        await Task.Delay(200);
        return done;
    }

    private async Task PostAsync(LedgerEntry entry, CancellationToken ct)
    {
        var result = await _ledger.PostAsync(entry, ct);
        if (!result.Succeeded || result.Replayed)
        {
            throw new InvalidOperationException($"the ledger refused a benchmark award: {result.Error} {result.Detail}");
        }
    }

    private async Task PostBatchAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken ct)
    {
        var result = await _ledger.PostBatchAsync(entries, ct);
        if (!result.Succeeded || result.Transactions.Count != entries.Count)
        {
            throw new InvalidOperationException($"the ledger refused a benchmark batch at {result.FailedIndex}: {result.Error} {result.Detail}");
        }
    }

    private int NextSeed() => _seed++;

    /// <summary>
    /// With --profile: the batched and single parts once more on the same file, through connections with SQLite's
    /// profile hook, to show the time per statement.
    /// </summary>
    private async Task ProfileAsync(BenchCommunity raw, BenchCommunity batched, CancellationToken ct)
    {
        var profile = new StatementProfile();
        var profiled = new ProfilingDataSource(_db, profile);
        var ledger = new PointsLedger(profiled, _dialect, _clock);
        var batchItems = BenchWorkload.Items(Math.Min(options.Count, 20 * options.Batch), NextSeed(), options.Accounts);
        var singleItems = BenchWorkload.Items(Math.Min(options.Single, 1_000), NextSeed(), options.Accounts);
        var batchEntries = BenchWorkload.Entries(batched, batchItems);
        var singleEntries = BenchWorkload.Entries(batched, singleItems);
        await using var rawWriter = await BenchRaw.OpenAsync(_db, raw, _clock, ct, profile);

        profile.Start();
        for (var i = 0; i < batchItems.Length; i += options.Batch)
        {
            rawWriter.WriteBatch(batchItems.AsSpan(i, Math.Min(options.Batch, batchItems.Length - i)));
        }
        profile.Stop(batchItems.Length);
        profile.Print(output, "(a) raw batched INSERT");

        profile.Start();
        for (var i = 0; i < batchEntries.Length; i += options.Batch)
        {
            var result = await ledger.PostBatchAsync(new ArraySegment<LedgerEntry>(batchEntries, i, Math.Min(options.Batch, batchEntries.Length - i)), ct);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"profiled batch refused: {result.Error} {result.Detail}");
            }
        }
        profile.Stop(batchEntries.Length);
        profile.Print(output, "(b) ledger PostBatchAsync");

        profile.Start();
        rawWriter.WriteEach(singleItems);
        profile.Stop(singleItems.Length);
        profile.Print(output, "(c) raw INSERT, 1 item per commit");

        profile.Start();
        foreach (var entry in singleEntries)
        {
            var result = await ledger.PostAsync(entry, ct);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"profiled award refused: {result.Error} {result.Detail}");
            }
        }
        profile.Stop(singleEntries.Length);
        profile.Print(output, "(d) ledger PostAsync");

        PrintHashCost(singleEntries);
        await FloorAsync(raw, batched, rawWriter, ct);
    }

    /// <summary>The two SHA-256 computations every posted entry needs (request hash for idempotency, chain hash), timed alone.</summary>
    private void PrintHashCost(LedgerEntry[] entries)
    {
        var now = Clock.Now(_clock);
        var previous = CanonicalForm.GenesisHash;
        string RequestHash(LedgerEntry e) => PointsLedger.RequestHash("post", e.Kind.ToDb(), e.Category, e.RuleCode, e.RuleVersion,
            e.Facts, e.Explanation, e.MemberId, e.Minutes, e.Postings);
        string ChainHash(LedgerEntry e) => CanonicalForm.Hash(previous, new LedgerTransaction(0, e.CommunityId, 1, e.Kind, e.Category,
            e.IdempotencyKey, e.RuleCode, e.RuleVersion, e.Facts, e.Explanation, e.Actor, e.MemberId, e.Minutes, null, now, previous, "", e.Postings));
        double MicrosecondsEach(Func<LedgerEntry, string> hash)
        {
            for (var pass = 0; pass < 3; pass++)
            {
                foreach (var e in entries)
                {
                    previous = hash(e);
                }
            }
            var started = Stopwatch.GetTimestamp();
            const int passes = 10;
            for (var pass = 0; pass < passes; pass++)
            {
                foreach (var e in entries)
                {
                    previous = hash(e)[..64];
                }
            }
            return Stopwatch.GetElapsedTime(started).TotalMicroseconds / (passes * entries.Length);
        }
        output.WriteLine();
        output.WriteLine($"hashing per entry, alone: request hash {MicrosecondsEach(RequestHash):0.0} µs, chain hash (canonical form) {MicrosecondsEach(ChainHash):0.0} µs");
    }

    /// <summary>
    /// With --profile: single awards three ways, interleaved — raw, the ledger, and <see cref="BenchFloor"/> (the
    /// ledger's statements prepared once) — and how many pages each commit appends to the WAL.
    /// </summary>
    private async Task FloorAsync(BenchCommunity raw, BenchCommunity batched, BenchRaw rawWriter, CancellationToken ct)
    {
        await using var floor = await BenchFloor.OpenAsync(_db, batched, _clock, ct);
        var rawItems = BenchWorkload.Items(options.Single, NextSeed(), options.Accounts);
        var ledgerEntries = BenchWorkload.Entries(batched, BenchWorkload.Items(options.Single, NextSeed(), options.Accounts));
        var floorEntries = BenchWorkload.Entries(batched, BenchWorkload.Items(options.Single, NextSeed(), options.Accounts));
        rawWriter.StopProfiling();

        output.WriteLine();
        output.WriteLine("pages appended to the WAL per commit (single awards, 40 commits each):");
        var walItems = BenchWorkload.Items(40, NextSeed(), options.Accounts);
        var walLedger = BenchWorkload.Entries(batched, BenchWorkload.Items(40, NextSeed(), options.Accounts));
        var walFloor = BenchWorkload.Entries(batched, BenchWorkload.Items(40, NextSeed(), options.Accounts));
        output.WriteLine($"  raw          {await WalFramesPerCommitAsync(rawWriter.Connection, 40, i => { rawWriter.WriteEach(walItems.AsSpan(i, 1)); return Task.CompletedTask; }),5:0.0}");
        output.WriteLine($"  ledger       {await WalFramesPerCommitAsync(rawWriter.Connection, 40, i => PostAsync(walLedger[i], ct)),5:0.0}");
        output.WriteLine($"  floor        {await WalFramesPerCommitAsync(rawWriter.Connection, 40, i => floor.PostAsync(walFloor[i], ct)),5:0.0}");

        output.WriteLine();
        output.WriteLine("floor experiment: the ledger's statements for one award, prepared once on a long-lived connection (BenchFloor)");
        for (var i = 0; i < 200; i++)
        {
            await floor.PostAsync(BenchWorkload.Entry(batched, BenchWorkload.Items(1, NextSeed(), options.Accounts)[0]), ct);
        }
        var figures = await InterleaveAsync(options.Single, 1,
            ("(c') raw INSERT, 1 item per commit", (from, count) =>
            {
                rawWriter.WriteEach(rawItems.AsSpan(from, count));
                return Task.CompletedTask;
            }),
            ("(d') ledger PostAsync", async (from, count) =>
            {
                for (var i = from; i < from + count; i++)
                {
                    await PostAsync(ledgerEntries[i], ct);
                }
            }),
            ("(f) floor: same statements, prepared once", async (from, count) =>
            {
                for (var i = from; i < from + count; i++)
                {
                    await floor.PostAsync(floorEntries[i], ct);
                }
            }));
        output.WriteLine($"  d'/c' = {figures[1].Rate / figures[0].Rate:0.00}   f/c' = {figures[2].Rate / figures[0].Rate:0.00}   (target for d/c: {SingleTarget:0.00})");
    }

    /// <summary>Empties the WAL, runs <paramref name="commits"/> commits, and reads how many frames (pages) the WAL then holds.</summary>
    private static async Task<double> WalFramesPerCommitAsync(SqliteConnection connection, int commits, Func<int, Task> commit)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        await command.ExecuteNonQueryAsync();
        for (var i = 0; i < commits; i++)
        {
            await commit(i);
        }
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(1) / (double)commits;
    }

    private async Task PrintHeaderAsync(SqliteConnection connection, string path)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "select sqlite_version()";
        var version = (string)(await command.ExecuteScalarAsync())!;
        command.CommandText = "PRAGMA journal_mode";
        var journal = (string)(await command.ExecuteScalarAsync())!;
        command.CommandText = "PRAGMA synchronous";
        var synchronous = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) switch
        {
            0 => "OFF",
            1 => "NORMAL",
            2 => "FULL",
            3 => "EXTRA",
            var other => other.ToString(CultureInfo.InvariantCulture),
        };
        output.WriteLine($"PointsBank benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(options.Quick ? " (--quick)" : "")}");
        output.WriteLine($"machine: {Environment.ProcessorCount} CPUs, {CpuModel()}, {RuntimeInformation.OSDescription}; load average {LoadAverage()}");
        output.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}, SQLite {version}, journal_mode={journal}, synchronous={synchronous}");
        output.WriteLine($"file: {path} (fresh)");
        output.WriteLine($"http: the service (Production) on {_http.Address}, 1, 4 and 20 clients, {_http.Accounts.Length:N0} household accounts, bearer token, awards by rule");
        output.WriteLine($"counts: batched N={options.Count:N0} in batches of {options.Batch:N0}; single M={options.Single:N0}; " +
            $"{options.Accounts:N0} household accounts per community; scale {Size(options.SmallLedger)} -> {Size(options.Scale)}");
        output.WriteLine();
    }

    private void PrintResults(Figure small, Figure smallControl, long smallAt, Figure large, Figure largeControl, long largeAt)
    {
        output.WriteLine();
        output.WriteLine("results (items/s; one item = 1 transaction row + 2 posting rows; min-max over the rounds)");
        foreach (var figure in _figures)
        {
            output.WriteLine($"  {Line(figure)}");
        }
        foreach (var figure in _concurrent.Append(_ping!).Concat(_ledgerConcurrent))
        {
            output.WriteLine($"  {ConcurrentLine(figure)}");
        }
        foreach (var figure in _counter)
        {
            output.WriteLine($"  {CounterLine(figure)}");
        }
        var (a, b, c, d, h) = (_a!, _b!, _c!, _d!, _h!);
        output.WriteLine();
        output.WriteLine($"  {"ratio",-44} {"measured",9}  {"target",8}");
        Ratio("b/a  batched ledger / raw batched", b.Rate / a.Rate, BatchedTarget);
        Ratio("d/c  single ledger / raw single", d.Rate / c.Rate, SingleTarget);
        Ratio("h/d  HTTP award / single ledger", h.Rate / d.Rate, HttpTarget);
        // An award at one client is (d)'s work plus at least one exchange: with an exchange that does nothing, h/d would be
        // 1 / (1 + d/h0). Above the target's line, it shows what this machine allows whatever the service does.
        Ceiling("     ceiling: (d) + an empty GET (h0)", 1 / (1 + d.Rate / _h0!.Rate), HttpTarget);
        if (_concurrent.LastOrDefault() is { } most)
        {
            Ratio($"h{most.Clients}/d HTTP awards at {most.Clients} clients / single ledger", most.Rate / d.Rate, ConcurrentTarget);
            if (_ledgerConcurrent.LastOrDefault(g => g.Clients == most.Clients) is { } alone)
            {
                Ceiling($"     ceiling: ledger alone, {alone.Clients} callers (g)", alone.Rate / d.Rate, ConcurrentTarget);
            }
            Upper($"h{most.Clients}  p99 at {most.Clients} clients (ms)", most.P99Ms, ConcurrentP99TargetMs, "0.0");
            Upper($"h{most.Clients}  fsyncs per award at {most.Clients} clients", most.CommitsPerAward, FsyncsPerAwardTarget, "0.00");
        }
        Ratio($"e    at {Size(largeAt)} / at {Size(smallAt)} entries", large.Rate / small.Rate, ScaleTarget);
        if (_counter.LastOrDefault() is { } busiest)
        {
            output.WriteLine($"  {$"i    counter p99 at {busiest.PerSecond}/s (ms)",-44} {busiest.P99Ms,9:0.0}  <= {CounterP99TargetMs,5:0}  {(busiest.P99Ms <= CounterP99TargetMs ? "PASS" : "MISS")}");
        }
        var control = largeControl.Rate / smallControl.Rate;
        output.WriteLine($"  {"     (control: raw single at the same moments)",-44} {control,9:0.00}");
        output.WriteLine($"  {"     (e normalised by the control)",-44} {large.Rate / largeControl.Rate / (small.Rate / smallControl.Rate),9:0.00}");
        if (control is < 0.8 or > 1.25)
        {
            output.WriteLine($"  note: the disk itself was {(control < 1 ? "slower" : "faster")} at the second (e) measurement (raw single commits x{control:0.00});");
            output.WriteLine("        the e ratio then mostly measures the disk. Compare the normalised figure, or run again.");
        }
    }

    /// <summary>A bound the ratio above it cannot pass on this machine in this run: below the target, the target is out of reach here.</summary>
    private void Ceiling(string label, double value, double target) =>
        output.WriteLine($"  {label,-44} {value,9:0.00}  {(value >= target ? "(the target is within it)" : "(below the target: out of reach in this run)")}");

    private void Upper(string label, double value, double target, string format) =>
        output.WriteLine($"  {label,-44} {value.ToString(format, CultureInfo.InvariantCulture),9}  <= {target.ToString(format, CultureInfo.InvariantCulture),5}  {(value <= target ? "PASS" : "MISS")}");

    private void Ratio(string label, double value, double target) =>
        output.WriteLine($"  {label,-44} {value,9:0.00}  >= {target,5:0.00}  {(value >= target ? "PASS" : "MISS")}");

    private static string Line(Figure f) =>
        $"{f.Label,-44} {f.Items,9:N0} items {f.Time.TotalSeconds,8:0.00} s {f.Rate,10:N0} /s   ({f.MinRound:N0}-{f.MaxRound:N0})";

    private static string Size(long entries) => entries switch
    {
        >= 1_000_000 when entries % 1_000_000 < 50_000 => $"{entries / 1_000_000}M",
        >= 1_000_000 => $"{entries / 1e6:0.0}M",
        >= 1_000 => $"{Math.Round(entries / 1000.0):0}k",
        _ => entries.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to show whether something else competed for the machine.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    internal static void DeleteDatabase(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }
}
