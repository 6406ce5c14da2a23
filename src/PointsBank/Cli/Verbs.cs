using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Ledger;

namespace PointsBank.Cli;

/// <summary>The same executable as the service, run with a verb: <c>migrate</c>, <c>verify</c>, <c>admin …</c>, <c>jobs run …</c>, <c>help</c>.</summary>
internal static class Verbs
{
    // What help lists, one line each; a new verb adds its line here.
    private static readonly (string Verb, string Usage, string What)[] Listed =
    [
        ("migrate", "migrate", "应用待执行的数据库结构脚本 / apply pending schema scripts (refused if an applied one changed)"),
        ("verify", "verify", "核对账本并打印各社区链头 / recompute every chain and projection, print each head; exit 0 only when intact"),
        ("backup", "backup [--to DIR]", "在线备份 SQLite 数据库、核对备份、只保留最近 Backup:Keep 份 / online copy of the SQLite database, verified, named with the UTC time; keeps the newest Backup:Keep (14)"),
        ("restore", "restore --from FILE", "先停止服务；核对备份后替换数据库并再次核对 / stop the service first; verifies FILE, replaces the database (the old one is kept), verifies again"),
        ("year-end", "year-end --community ID --year YYYY", "按社区年终政策结算这一年（年底清零：每户一笔过期交易，重复运行不会重复） / apply the year-end policy to a year that is over; twice posts nothing more"),
        ("rankings", "rankings verify [--community ID] [--month yyyy-MM] [--revision N]",
            "核对已公布的积分榜 / recompute published ranking revisions from the ledger up to their chain heads; exit 0 only when all match"),
        ("import", "import --community ID FILE.xlsx [--dry-run]",
            "从 Excel 花名册导入网格和住户（先检查，有错一行也不写） / import the roster workbook; every problem by sheet, row and column, all or nothing"),
        ("admin", "admin COMMAND …", "用户、角色和 API 令牌 / users, roles and API tokens; `admin` alone prints its commands"),
        ("jobs", "jobs run NAME", "运行一次后台任务 / one run of a background job, e.g. release-expired-holds"),
        ("help", "help, --help, -h", "本说明 / this list"),
    ];

    private static readonly string[] Known = [.. Listed.Select(v => v.Verb).Where(v => v != "help")];

    public static bool IsVerb(string[] args) => args.Length > 0 && Known.Contains(args[0]);

    /// <summary>
    /// Help, and a bare word that is no verb (a typo must not start the server), are answered before any host is
    /// built: nothing listens and no database is opened. Null means "build the host".
    /// </summary>
    public static int? AnswerWithoutHost(string[] args)
    {
        if (args.Length == 0)
        {
            return null;
        }
        if (args[0] is "help" or "--help" or "-h")
        {
            Console.Out.Write(Help());
            return 0;
        }
        if (IsBareWord(args[0]) && !Known.Contains(args[0]))
        {
            Console.Error.Write($"unknown verb '{args[0]}' / 未知命令\n\n{Help()}");
            return 2;
        }
        return null;
    }

    // ASP.NET Core reads --key value, /key value and key=value as configuration (--urls, --environment); only a
    // bare word is a verb.
    private static bool IsBareWord(string arg) => arg.Length > 0 && arg[0] is not ('-' or '/') && !arg.Contains('=');

    private static string Help() =>
        $"""
        PointsBank 积分银行

        用法 / usage:
          PointsBank [--urls URL] [--environment NAME]   启动服务 / serve (default http://localhost:5080)
          PointsBank VERB …                              运行一个命令后退出 / run one verb and exit
        (dotnet run --project src/PointsBank -- VERB …)

        {string.Join("\n", Listed.Select(v => $"  {v.Usage,-18} {v.What}"))}

        配置 / configuration: appsettings.json, environment variables (ConnectionStrings__PointsBank, ASPNETCORE_URLS, …),
        --key value; see README.md.

        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        try
        {
            return args[0] switch
            {
                "migrate" => await MigrateAsync(services),
                "verify" => await VerifyAsync(services),
                "backup" => await BackupAsync(services, args[1..]),
                "restore" => await RestoreAsync(services, args[1..]),
                "year-end" => await MigrateQuietlyThen(services, () => YearEndAsync(services, args[1..])),
                "rankings" => await RankingsAsync(services, args[1..]),
                "import" => await MigrateQuietlyThen(services, () => ImportAsync(services, args[1..])),
                "admin" => await MigrateQuietlyThen(services, () => AdminVerbs.RunAsync(services, args[1..])),
                "jobs" => await MigrateQuietlyThen(services, () => JobsAsync(services, args[1..])),
                _ => 2,
            };
        }
        catch (MigrationException e)
        {
            await Console.Error.WriteLineAsync($"migration refused: {e.Message}");
            return 2;
        }
        catch (BackupException e)
        {
            await Console.Error.WriteLineAsync($"{args[0]} refused: {e.Message}");
            return e.ExitCode;
        }
    }

    // backup [--to DIR]: what the daily job does, by hand (before an upgrade, onto a USB stick).
    private static async Task<int> BackupAsync(IServiceProvider services, string[] args)
    {
        var database = services.GetRequiredService<DatabaseOptions>();
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BackupOptions>>().Value;
        string folder;
        switch (args)
        {
            case []:
                folder = Backups.Folder(options, database);
                break;
            case ["--to", var to]:
                folder = Path.GetFullPath(to);
                break;
            default:
                await Console.Error.WriteLineAsync("usage: backup [--to DIR]");
                return 2;
        }
        var now = Clock.Now(services.GetRequiredService<TimeProvider>());
        var result = await Backups.BackupAsync(database, folder, options.Keep, now);
        Console.WriteLine($"backup: {result.Path} verifies ({string.Join("; ", result.Report.Communities.Select(c => $"community {c.CommunityId}: head seq {c.LastSeq}"))})");
        foreach (var pruned in result.Pruned)
        {
            Console.WriteLine($"backup: deleted {pruned} (keeping the newest {options.Keep})");
        }
        return 0;
    }

    // year-end --community ID --year YYYY: what the year-end job does in January, by hand (a year it missed).
    private static async Task<int> YearEndAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["--community", var id, "--year", var y] || !long.TryParse(id, out var communityId) || !int.TryParse(y, out var year))
        {
            await Console.Error.WriteLineAsync("usage: year-end --community ID --year YYYY");
            return 2;
        }
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Identity.CallerContext>().Current = Identity.Caller.Cli("year-end");
        Infrastructure.Outcome<Features.Policy.YearClosed> outcome;
        try
        {
            outcome = await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(new Features.Policy.CloseYear(communityId, year));
        }
        catch (Infrastructure.RequestValidationException e)
        {
            await Console.Error.WriteLineAsync($"year-end refused: {string.Join("; ", e.Errors.Select(f => $"{f.Field} {f.En}"))}");
            return 2;
        }
        if (outcome.Failure is { } failure)
        {
            await Console.Error.WriteLineAsync($"year-end refused: {failure.Code}: {failure.Detail}");
            return 1;
        }
        var closed = outcome.Value!;
        Console.WriteLine(closed.Policy == Features.Policy.CommunityPolicy.ZeroAtYearEnd
            ? $"year-end {closed.Year}, community {closed.CommunityId} (zero): {closed.Accounts} expire transaction(s) posted now, {closed.Points} points"
            : $"year-end {closed.Year}, community {closed.CommunityId} ({closed.Policy}): nothing to post");
        return 0;
    }

    // import --community ID FILE.xlsx [--dry-run]: the committee page's import, from the command line (as the system).
    private static async Task<int> ImportAsync(IServiceProvider services, string[] args)
    {
        var dryRun = args.Contains("--dry-run");
        var rest = args.Where(a => a != "--dry-run").ToArray();
        if (rest is not ["--community", var id, var file] || !long.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var communityId))
        {
            await Console.Error.WriteLineAsync("usage: import --community ID FILE.xlsx [--dry-run]");
            return 2;
        }
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"import: no file {file} / 找不到文件");
            return 2;
        }
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Identity.CallerContext>().Current = Identity.Caller.Cli("import");
        var outcome = await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>()
            .Send(new Features.Communities.ImportRoster(communityId, await File.ReadAllBytesAsync(file), dryRun));
        if (outcome.Failure is { } failure)
        {
            await Console.Error.WriteLineAsync($"import refused: {failure.Code}: {failure.Detail}");
            return 1;
        }
        var result = outcome.Value!;
        foreach (var e in result.Errors)
        {
            await Console.Error.WriteLineAsync($"{e.Sheet} 第 {e.Row} 行 {e.Column} 列（{e.ColumnName}）：{e.Message}");
        }
        var counts = $"households: {result.Created} new, {result.Updated} changed, {result.Unchanged} unchanged; grids: {result.GridsCreated} new; "
                     + $"residents: {result.ResidentsCreated} new, {result.ResidentsUpdated} changed, {result.ResidentsDeactivated} moved out";
        Console.WriteLine(result.Errors.Count > 0
            ? $"import: {result.Errors.Count} problem(s), nothing written / 有 {result.Errors.Count} 个问题，未写入 ({counts} once corrected)"
            : result.DryRun ? $"import --dry-run: no problems, nothing written / 检查通过，未写入 ({counts})" : $"import: done / 导入完成 ({counts})");
        return result.Errors.Count > 0 ? 1 : 0;
    }

    // restore --from FILE: refused while a service holds the database (DatabaseFileLock).
    private static async Task<int> RestoreAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["--from", var from])
        {
            await Console.Error.WriteLineAsync("usage: restore --from FILE");
            return 2;
        }
        var now = Clock.Now(services.GetRequiredService<TimeProvider>());
        var (report, kept) = await Backups.RestoreAsync(services.GetRequiredService<DatabaseOptions>(), from, now);
        if (kept is not null)
        {
            Console.WriteLine($"restore: the database it replaced is kept as {kept}");
        }
        foreach (var community in report.Communities)
        {
            Console.WriteLine($"community {community.CommunityId}: {community.Transactions} transactions; head: seq {community.LastSeq}, hash {community.LastHash}");
        }
        Console.WriteLine($"restore: restored {Path.GetFullPath(from)}; verify: intact ({report.Communities.Count} communities)");
        return 0;
    }

    // Admin verbs work on a fresh installation too: the schema must exist before the first user.
    private static async Task<int> MigrateQuietlyThen(IServiceProvider services, Func<Task<int>> then)
    {
        var options = services.GetRequiredService<DatabaseOptions>();
        await services.GetRequiredService<Migrator>().MigrateAsync(apply: options.MigrateOnStartup);
        await Infrastructure.DataProtectionKeys.PrepareAsync(services, CancellationToken.None);
        return await then();
    }

    // jobs run NAME: one run of a background job, as the service would do it at its next tick.
    private static async Task<int> JobsAsync(IServiceProvider services, string[] args)
    {
        var jobs = services.GetServices<Jobs.IJob>().ToList();
        if (args is not ["run", var name] || jobs.FirstOrDefault(j => j.Name == name) is not { } job)
        {
            await Console.Error.WriteLineAsync($"usage: jobs run NAME   (jobs: {string.Join(", ", jobs.Select(j => j.Name))})");
            return 2;
        }
        var done = await Jobs.JobRegistry.RunOnceAsync(services, job, CancellationToken.None);
        Console.WriteLine($"{job.Name}: {done} item(s)");
        return 0;
    }

    private static async Task<int> MigrateAsync(IServiceProvider services)
    {
        var report = await services.GetRequiredService<Migrator>().MigrateAsync();
        Console.WriteLine(report.Applied.Count == 0
            ? $"schema is current ({report.AlreadyApplied} scripts applied earlier)"
            : $"applied {string.Join(", ", report.Applied)} ({report.AlreadyApplied} applied earlier)");
        var adopted = await Features.Rules.DefaultCatalogues.AdoptWhereMissingAsync(services, CancellationToken.None);
        if (adopted.Count > 0)
        {
            Console.WriteLine($"gave the default rule catalogue to communities that had none: {string.Join(", ", adopted)}");
        }
        return 0;
    }

    private static async Task<int> VerifyAsync(IServiceProvider services)
    {
        if (MissingDatabaseFile(services.GetRequiredService<DatabaseOptions>()) is { } missing)
        {
            await Console.Error.WriteLineAsync(
                $"verify: database file {missing} does not exist (check ConnectionStrings:PointsBank); nothing was created");
            return 2;
        }
        // A database whose schema is behind (an old backup) is refused with the pending scripts named, not misread;
        // verify never applies them.
        await services.GetRequiredService<Migrator>().MigrateAsync(apply: false);
        var report = await services.GetRequiredService<LedgerVerifier>().VerifyAsync();
        foreach (var community in report.Communities)
        {
            Console.WriteLine(community.Break is null
                ? $"community {community.CommunityId}: {community.Transactions} transactions, chain, balances and aggregates intact; head: seq {community.LastSeq}, hash {community.LastHash}"
                : $"community {community.CommunityId}: BROKEN at {community.Break}");
        }
        // Every published ranking revision too: its rows against its root, its chain head and the ledger up to that head.
        var rankings = await Features.Rankings.RankingVerifier.VerifyAllAsync(services.GetRequiredService<System.Data.Common.DbDataSource>(),
            null, null, null, CancellationToken.None);
        PrintRankings(rankings);
        var rankingsMatch = rankings.All(r => r.Matches);
        Console.WriteLine(report.Intact && rankingsMatch
            ? $"verify: intact ({report.Communities.Count} communities, {rankings.Count} published ranking revisions)"
            : report.Intact
                ? $"verify: FAILED — {rankings.Count(r => !r.Matches)} published ranking revision(s) do not match"
                : $"verify: FAILED — first break: {report.FirstBreak}");
        return report.Intact && rankingsMatch ? 0 : 1;
    }

    // rankings verify [--community ID] [--month yyyy-MM] [--revision N]: the published revisions that match the filters.
    private static async Task<int> RankingsAsync(IServiceProvider services, string[] args)
    {
        const string Usage = "usage: rankings verify [--community ID] [--month yyyy-MM] [--revision N]";
        if (args is not ["verify", .. var options] || options.Length % 2 != 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        (long? community, string? month, int? revision) = (null, null, null);
        for (var i = 0; i < options.Length; i += 2)
        {
            var value = options[i + 1];
            switch (options[i])
            {
                case "--community" when long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var c):
                    community = c;
                    break;
                case "--month" when !Features.Rankings.RankingData.CheckMonth(value).Any():
                    month = value;
                    break;
                case "--revision" when int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n):
                    revision = n;
                    break;
                default:
                    await Console.Error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        if (MissingDatabaseFile(services.GetRequiredService<DatabaseOptions>()) is { } missing)
        {
            await Console.Error.WriteLineAsync($"rankings verify: database file {missing} does not exist; nothing was created");
            return 2;
        }
        await services.GetRequiredService<Migrator>().MigrateAsync(apply: false);
        var results = await Features.Rankings.RankingVerifier.VerifyAllAsync(services.GetRequiredService<System.Data.Common.DbDataSource>(),
            community, month, revision, CancellationToken.None);
        PrintRankings(results);
        var matched = results.Count(r => r.Matches);
        Console.WriteLine(matched == results.Count
            ? $"rankings verify: {results.Count} revision(s) match the ledger"
            : $"rankings verify: FAILED — {results.Count - matched} of {results.Count} revision(s) do not match");
        return matched == results.Count ? 0 : 1;
    }

    private static void PrintRankings(IReadOnlyList<Features.Rankings.RankingVerification> results)
    {
        foreach (var r in results)
        {
            Console.WriteLine(r.Matches
                ? $"community {r.CommunityId} ranking {r.Month} revision {r.Revision}: matches; root {r.SnapshotHash}, chain head seq {r.ChainHeadSeq}"
                : $"community {r.CommunityId} ranking {r.Month} revision {r.Revision}: DOES NOT MATCH — {string.Join("; ", r.Differences)}");
        }
    }

    // A read-only verb must not create what it reads: resolving the SQLite data source creates the folder and an
    // empty database, so the file is checked before anything resolves it.
    private static string? MissingDatabaseFile(DatabaseOptions options)
    {
        if (options.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        if (builder.Mode is SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            return null;
        }
        var path = Path.GetFullPath(builder.DataSource);
        return File.Exists(path) ? null : path;
    }
}
