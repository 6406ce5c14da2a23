using System.Data.Common;
using Dapper;
using MediatR;
using Microsoft.Extensions.Options;
using PointsBank.Data;
using PointsBank.Features.Holds;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Jobs;

/// <summary>Bound from the <c>Jobs</c> section.</summary>
public sealed class JobOptions
{
    /// <summary>Run the background jobs in this service (several instances may all run them: every step is safe twice).</summary>
    public bool Enabled { get; set; } = true;

    public int IntervalSeconds { get; set; } = 30;
}

/// <summary>
/// Work that must happen when nobody is looking (DESIGN §11). One run finds what is due and sends one short request
/// per community through the pipeline as the system, so every step is a unit of work with its lock, its audit row
/// and its conditional statements; running it twice, or on two instances at once, does no harm.
/// </summary>
public interface IJob
{
    /// <summary>The name for <c>jobs run NAME</c> and the logs.</summary>
    string Name { get; }

    /// <summary>One run; returns how many things it did.</summary>
    Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct);
}

/// <summary>
/// The shape every job has so far: a read query finds the communities where something is due, then one request per
/// community goes through the pipeline (its unit of work, lock and audit row). One community's trouble (its unit
/// rolled back, audited) is logged and does not keep the others waiting; the next tick tries it again.
/// </summary>
public abstract class CommunityJob<TRequest, TResult>(string name, string dueCommunities) : IJob
    where TRequest : IRequest<Outcome<TResult>>
{
    public string Name => name;

    /// <summary>The request for one community.</summary>
    protected abstract TRequest For(long communityId);

    /// <summary>How many things one community's answer says were done.</summary>
    protected abstract int Done(TResult result);

    public async Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<DbDataSource>();
        var now = Clock.Now(services.GetRequiredService<TimeProvider>());
        IReadOnlyList<long> due;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            due = (await connection.QueryAsync<long>(new CommandDefinition(dueCommunities, new { now }, cancellationToken: ct))).AsList();
        }
        var mediator = services.GetRequiredService<IMediator>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<JobRunner>();
        var done = 0;
        foreach (var communityId in due)
        {
            try
            {
                var outcome = await mediator.Send(For(communityId), ct);
                done += outcome.Value is { } result ? Done(result) : 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "job {Job} failed in community {Community}; the next tick tries again", name, communityId);
            }
        }
        return done;
    }
}

/// <summary>Releases holds (vouchers' reservations) whose expiry has passed, community by community.</summary>
public sealed class ReleaseExpiredHoldsJob() : CommunityJob<ReleaseExpiredHolds, HoldsReleased>("release-expired-holds", DueCommunities)
{
    private const string DueCommunities = """
        SELECT DISTINCT community_id FROM holds WHERE status = 'open' AND expires_at IS NOT NULL AND expires_at <= @now
        """;

    protected override ReleaseExpiredHolds For(long communityId) => new(communityId);

    protected override int Done(HoldsReleased result) => result.HoldIds.Count;
}

public static class JobRegistry
{
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JobOptions>(configuration.GetSection("Jobs"));
        services.Configure<BackupOptions>(configuration.GetSection("Backup"));
        services.AddSingleton<JobInstance>();
        services.AddSingleton<IJob, BackupJob>();
        services.AddSingleton<IJob, DataProtectionKeysJob>();
        services.AddSingleton<IJob, PointsBank.Features.Policy.YearEndJob>();
        services.AddSingleton<IJob, ReleaseExpiredHoldsJob>();
        services.AddSingleton<IJob, PointsBank.Features.Claims.PostDueClaimsJob>();
        services.AddSingleton<IJob, PointsBank.Features.Redemption.ExpireVouchersJob>();
        services.AddHostedService<JobRunner>();
        return services;
    }

    /// <summary>
    /// Runs one job once in a scope of its own, as the system (<c>job:NAME</c> in the ledger and the audit log), and
    /// counts the run, its outcome, duration and items in the metrics (<c>pointsbank_job_*</c>).
    /// </summary>
    public static async Task<int> RunOnceAsync(IServiceProvider root, IJob job, CancellationToken ct)
    {
        var metrics = root.GetService<PointsBankMetrics>();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await using var scope = root.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Service($"job:{job.Name}");
            var done = await job.RunOnceAsync(scope.ServiceProvider, ct);
            metrics?.JobRan(job.Name, succeeded: true, done, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return done;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            metrics?.JobRan(job.Name, succeeded: false, 0, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            throw;
        }
    }
}

/// <summary>Runs every job on a timer while the service runs. A failing job is logged and tried again at the next tick.</summary>
public sealed class JobRunner(IServiceProvider services, IEnumerable<IJob> jobs, IOptions<JobOptions> options, TimeProvider clock,
    ILogger<JobRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.IntervalSeconds));
        using var timer = new PeriodicTimer(interval, clock);
        // A job is due one interval after its previous start; how late it starts is its lag (pointsbank_job_lag_seconds).
        var metrics = services.GetService<PointsBankMetrics>();
        var due = new Dictionary<string, DateTimeOffset>();
        do
        {
            foreach (var job in jobs)
            {
                var now = clock.GetUtcNow();
                metrics?.JobLag(job.Name, due.TryGetValue(job.Name, out var dueAt) ? now - dueAt : TimeSpan.Zero);
                due[job.Name] = now + interval;
                try
                {
                    var done = await JobRegistry.RunOnceAsync(services, job, stoppingToken);
                    if (done > 0)
                    {
                        logger.LogInformation("job {Job} did {Count} item(s)", job.Name, done);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "job {Job} failed; it runs again at the next tick", job.Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
