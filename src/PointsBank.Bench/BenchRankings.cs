using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Dapper;
using MediatR;
using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Bench;

/// <summary>
/// <c>--rankings</c> (docs/performance.md, "Monthly ranking"): the live ranking of one month (<see cref="GetRanking"/>
/// through the MediatR pipeline, as the committee's page and the API send it) in a community of A household accounts
/// (default 10,000, two residents each) while its ledger grows to 10%, 30% and 100% of S entries (default 1,000,000).
/// The entries are posted through the ledger's own batch path (<c>PostBatchAsync</c>, 10,000 per database
/// transaction), so balances, monthly aggregates and the hash chain are written exactly as in production; their
/// effective dates are spread over the last 360 days, so the ranked month (last month) holds about a twelfth of them;
/// one in twenty is a deduction. At each size the ranking is timed warm (median, p95, max of 30 runs after 5 warm-up
/// runs) and once cold (first run after growing), and checked against the same month recomputed from the journal (the
/// verification path, <c>RankingData.AggregatesAsOfAsync</c>, a full scan, timed too): equal rows prove the seeded
/// aggregates are consistent, and the scan's time shows what reading the journal would cost instead.
/// </summary>
internal sealed class BenchRankings(BenchOptions options, TextWriter output)
{
    private const int WarmRuns = 5;
    private const int TimedRuns = 30;
    private const int ResidentsPerHousehold = 2;

    private readonly TimeProvider _clock = TimeProvider.System;
    private int _seed = 5000;

    public sealed record Step(long Entries, long MonthEntries, long AggregateRows, long TotalRows, int Rows, double ColdMs, double MedianMs, double P95Ms,
        double MaxMs, double JournalMs, bool Matches, double GrowSeconds, string Load);

    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var path = Path.GetFullPath(options.File ?? Path.Combine(Path.GetTempPath(), "pointsbank-bench", $"rankings-{Environment.ProcessId}.db"));
        BenchRun.DeleteDatabase(path);
        var databaseOptions = new DatabaseOptions
        {
            Provider = DatabaseProvider.Sqlite,
            ConnectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString(),
        };
        var services = new ServiceCollection().AddLogging().AddSingleton(_clock).AddPointsBank(databaseOptions).BuildServiceProvider();
        try
        {
            var db = services.GetRequiredService<DbDataSource>();
            var ledger = services.GetRequiredService<PointsLedger>();
            await services.GetRequiredService<Migrator>().MigrateAsync(ct: ct);
            output.WriteLine($"monthly ranking benchmark: {options.Accounts:N0} household accounts ({ResidentsPerHousehold} residents each), " +
                $"ledger grown to {options.Scale / 10:N0}, {options.Scale * 3 / 10:N0} and {options.Scale:N0} entries; file {path}");
            output.WriteLine($"load average at the start: {BenchRun.LoadAverage()}");
            var community = await BenchWorkload.CreateCommunityAsync(db, services.GetRequiredService<SqlDialect>(), ledger, _clock, "bench-rank",
                "基准村戊", options.Accounts, ct);
            var penalty = (await ledger.SystemAccountIdAsync(community.Id, SystemAccount.Penalty, ct))!.Value;
            await PrepareAsync(db, community, ct);
            var zone = Projections.Zone("Asia/Shanghai");
            var today = Projections.LocalDate(_clock.GetUtcNow().UtcDateTime, zone);
            var month = Projections.Month(new DateOnly(today.Year, today.Month, 1).AddDays(-1));

            var steps = new List<Step>();
            long entries = 0;
            foreach (var target in new long[] { options.Scale / 10, options.Scale * 3 / 10, options.Scale })
            {
                var grow = Stopwatch.GetTimestamp();
                entries = await GrowAsync(ledger, community, penalty, today, entries, target, ct);
                var growSeconds = Stopwatch.GetElapsedTime(grow).TotalSeconds;
                await CheckpointAsync(db, ct);
                steps.Add(await MeasureAsync(services, db, community.Id, month, entries, growSeconds, ct));
                output.WriteLine($"  {StepLine(steps[^1])}");
            }

            output.WriteLine();
            output.WriteLine($"ranking of {month} (GetRanking, from the monthly aggregates), {options.Accounts:N0} accounts:");
            output.WriteLine($"  {"entries",10} {"in month",9} {"agg rows",9} {"totals",7} {"ranked",7} {"cold",8} {"median",8} {"p95",8} {"max",8}   {"journal scan",12}  same  load");
            foreach (var s in steps)
            {
                output.WriteLine($"  {s.Entries,10:N0} {s.MonthEntries,9:N0} {s.AggregateRows,9:N0} {s.TotalRows,7:N0} {s.Rows,7:N0} {s.ColdMs,6:0.0}ms {s.MedianMs,6:0.0}ms " +
                    $"{s.P95Ms,6:0.0}ms {s.MaxMs,6:0.0}ms   {s.JournalMs,10:0}ms  {(s.Matches ? "yes" : "NO"),4}  {s.Load}");
            }
            var largest = steps[^1];
            var flat = largest.MedianMs / Math.Max(0.001, steps[0].MedianMs);
            output.WriteLine($"  target (DESIGN §12): well under 100 ms at 1M entries and 10k accounts, flat as entries grow: " +
                $"median {largest.MedianMs:0.0} ms at {largest.Entries:N0} ({(largest.P95Ms < 100 ? "PASS" : "MISS")}), " +
                $"{flat:0.00}x the median at {steps[0].Entries:N0} entries");
            if (steps.Any(s => !s.Matches))
            {
                output.WriteLine("  MISMATCH: the ranking from the aggregates differs from the journal's; the seeded file is not consistent");
            }
            output.WriteLine($"whole run: {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s; database file {new FileInfo(path).Length / 1048576.0:0} MB; " +
                $"load average at the end {BenchRun.LoadAverage()}");
        }
        finally
        {
            await services.DisposeAsync();
            SqliteConnection.ClearAllPools();
            if (options.File is null && !options.Keep)
            {
                BenchRun.DeleteDatabase(path);
            }
            else
            {
                output.WriteLine($"kept {path}");
            }
        }
    }

    private static string StepLine(Step s) =>
        $"{s.Entries:N0} entries (grown in {s.GrowSeconds:0} s): ranking median {s.MedianMs:0.0} ms, p95 {s.P95Ms:0.0} ms, cold {s.ColdMs:0.0} ms; " +
        $"journal scan {s.JournalMs:0} ms; same rows: {(s.Matches ? "yes" : "NO")}; load {s.Load}";

    // Residents (the roster the ranking reads names from) and a back-dating limit of a year, so entries may carry
    // effective dates over the last 360 days. Written directly, like the households: set-up, not measured.
    private async Task PrepareAsync(DbDataSource db, BenchCommunity community, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE communities SET backdate_days = 366 WHERE id = @id", new { id = community.Id }, tx,
            cancellationToken: ct));
        var households = (await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT household_id FROM accounts WHERE community_id = @id AND kind = 'household' ORDER BY id", new { id = community.Id }, tx,
            cancellationToken: ct))).ToList();
        string[] surnames = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄"];
        string[] given = ["建国", "秀英", "德福", "桂兰", "志强", "美华", "春生", "玉梅"];
        var now = _clock.GetUtcNow().UtcDateTime;
        var rows = households.SelectMany((h, i) => Enumerable.Range(0, ResidentsPerHousehold).Select(k => new
        {
            communityId = community.Id, householdId = h, name = surnames[(i + k) % surnames.Length] + given[(i * 3 + k) % given.Length], now,
        }));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO residents (community_id, household_id, full_name, is_active, created_at)
            VALUES (@communityId, @householdId, @name, 1, @now)
            """, rows, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Posts entries through <c>PostBatchAsync</c> (the ledger's maximum batch, one database transaction each) until the
    /// community holds <paramref name="target"/>: awards of the workload's deeds, and one in twenty a deduction of 1–5
    /// points, on random accounts, effective on a random day of the last 360.
    /// </summary>
    private async Task<long> GrowAsync(PointsLedger ledger, BenchCommunity community, long penalty, DateOnly today, long current, long target,
        CancellationToken ct)
    {
        output.WriteLine($"growing bench-rank from {current:N0} to {target:N0} entries with PostBatchAsync ({PointsLedger.MaxBatchSize:N0} per batch)...");
        var started = Stopwatch.GetTimestamp();
        var reported = started;
        var first = current;
        while (current < target)
        {
            var count = (int)Math.Min(PointsLedger.MaxBatchSize, target - current);
            var seed = _seed++;
            var random = new Random(seed);
            var items = BenchWorkload.Items(count, seed, options.Accounts);
            var entries = new LedgerEntry[count];
            for (var i = 0; i < count; i++)
            {
                var date = today.AddDays(-random.Next(360));
                var account = community.Accounts[items[i].Account];
                entries[i] = random.Next(20) == 0
                    ? new LedgerEntry(community.Id, TransactionKind.Deduct, Categories.Deduction, items[i].Key, "乱扔垃圾，网格员检查扣分 / littering",
                        BenchWorkload.Actor, [new PostingLine(account, -(1 + items[i].Points % 5)), new PostingLine(penalty, 1 + items[i].Points % 5)],
                        EffectiveDate: date)
                    : BenchWorkload.Entry(community, items[i]) with { EffectiveDate = date };
            }
            var result = await ledger.PostBatchAsync(entries, ct);
            if (!result.Succeeded || result.Transactions.Count != count)
            {
                throw new InvalidOperationException($"the ledger refused a ranking batch at {result.FailedIndex}: {result.Error} {result.Detail}");
            }
            current += count;
            if (Stopwatch.GetElapsedTime(reported) > TimeSpan.FromSeconds(30) || current == target)
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                output.WriteLine($"  {current,12:N0} entries, {elapsed,6:0.0} s, {(current - first) / elapsed,8:0} items/s");
                reported = Stopwatch.GetTimestamp();
            }
        }
        return current;
    }

    private static async Task CheckpointAsync(DbDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken: ct));
    }

    private async Task<Step> MeasureAsync(IServiceProvider services, DbDataSource db, long communityId, string month, long entries, double growSeconds,
        CancellationToken ct)
    {
        var cold = Stopwatch.GetTimestamp();
        var live = await RankAsync(services, communityId, month, ct);
        var coldMs = Stopwatch.GetElapsedTime(cold).TotalMilliseconds;
        for (var i = 0; i < WarmRuns; i++)
        {
            await RankAsync(services, communityId, month, ct);
        }
        var times = new double[TimedRuns];
        for (var i = 0; i < TimedRuns; i++)
        {
            var run = Stopwatch.GetTimestamp();
            await RankAsync(services, communityId, month, ct);
            times[i] = Stopwatch.GetElapsedTime(run).TotalMilliseconds;
        }
        Array.Sort(times);

        // The check: the same month ranked from the journal up to its head (verification's path, a full scan).
        await using var connection = await db.OpenConnectionAsync(ct);
        var community = (await RankingData.CommunityAsync(connection, null, communityId, ct))!;
        var head = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM chain_heads WHERE community_id = @communityId", new { communityId }, cancellationToken: ct));
        var scan = Stopwatch.GetTimestamp();
        var fromJournal = await RankingData.AggregatesAsOfAsync(connection, null, community, month, head, ct);
        var journalRows = await RankingData.RankAsync(connection, null, communityId, fromJournal, community.AccountMode, null, ct);
        var journalMs = Stopwatch.GetElapsedTime(scan).TotalMilliseconds;
        var monthEntries = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @communityId AND effective_date >= @from AND effective_date < @to",
            new { communityId, from = month + "-01", to = Projections.Month(DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).AddMonths(1)) + "-01" },
            cancellationToken: ct));
        var aggregateRows = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM monthly_aggregates WHERE community_id = @communityId AND month = @month", new { communityId, month }, cancellationToken: ct));
        var totalRows = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM monthly_totals WHERE community_id = @communityId AND month = @month", new { communityId, month }, cancellationToken: ct));
        return new Step(entries, monthEntries, aggregateRows, totalRows, live.Count, coldMs, times[TimedRuns / 2], times[(int)Math.Ceiling(TimedRuns * 0.95) - 1],
            times[^1], journalMs, live.SequenceEqual(journalRows), growSeconds, BenchRun.LoadAverage());
    }

    /// <summary>One live ranking through the MediatR pipeline, as the operator at the command line (a staff read).</summary>
    private static async Task<IReadOnlyList<RankingRow>> RankAsync(IServiceProvider services, long communityId, string month, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("bench");
        var ranking = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new GetRanking(communityId, month), ct);
        return ranking.Value?.Rows ?? throw new InvalidOperationException($"the ranking was refused: {ranking.Failure!.Code} {ranking.Failure.Detail}");
    }
}
