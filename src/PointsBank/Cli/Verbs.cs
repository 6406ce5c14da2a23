using PointsBank.Data;
using PointsBank.Ledger;

namespace PointsBank.Cli;

/// <summary>The same executable as the service, run with a verb: <c>migrate</c>, <c>verify</c>, <c>admin …</c>.</summary>
internal static class Verbs
{
    private static readonly string[] Known = ["migrate", "verify", "admin", "jobs"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Known.Contains(args[0]);

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        try
        {
            return args[0] switch
            {
                "migrate" => await MigrateAsync(services),
                "verify" => await VerifyAsync(services),
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
    }

    // Admin verbs work on a fresh installation too: the schema must exist before the first user.
    private static async Task<int> MigrateQuietlyThen(IServiceProvider services, Func<Task<int>> then)
    {
        var options = services.GetRequiredService<DatabaseOptions>();
        await services.GetRequiredService<Migrator>().MigrateAsync(apply: options.MigrateOnStartup);
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
        return 0;
    }

    private static async Task<int> VerifyAsync(IServiceProvider services)
    {
        var report = await services.GetRequiredService<LedgerVerifier>().VerifyAsync();
        foreach (var community in report.Communities)
        {
            Console.WriteLine(community.Break is null
                ? $"community {community.CommunityId}: {community.Transactions} transactions, chain, balances and aggregates intact"
                : $"community {community.CommunityId}: BROKEN at {community.Break}");
        }
        Console.WriteLine(report.Intact
            ? $"verify: intact ({report.Communities.Count} communities)"
            : $"verify: FAILED — first break: {report.FirstBreak}");
        return report.Intact ? 0 : 1;
    }
}
