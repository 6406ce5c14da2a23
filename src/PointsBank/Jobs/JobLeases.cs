using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using PointsBank.Infrastructure;

namespace PointsBank.Jobs;

/// <summary>This service instance, as a job lease's holder: machine, process and a random part (two hosts in one process differ).</summary>
public sealed class JobInstance
{
    public string Id { get; } = $"{Environment.MachineName[..Math.Min(100, Environment.MachineName.Length)]}:{Environment.ProcessId}:{Guid.NewGuid():N}";
}

/// <summary>
/// Leases for the installation-wide jobs whose work is not one conditional statement (a backup file, a new key): one
/// conditional UPDATE of the job's row in <c>job_leases</c> (seeded by schema 0016) claims it while it is free or expired,
/// so of several instances at one tick exactly one runs the step; the lease lapses by itself if its holder dies.
/// </summary>
public static class JobLeases
{
    private const string Claim = """
        UPDATE job_leases SET holder = @holder, expires_at = @until WHERE name = @name AND expires_at <= @now
        """;

    /// <summary>Claims the lease of <paramref name="name"/> until <paramref name="now"/> + <paramref name="length"/>; false when another holds it.</summary>
    public static async Task<bool> TryClaimAsync(DbDataSource db, string name, string holder, DateTime now, TimeSpan length, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(Claim, new { name, holder, now, until = now + length }, cancellationToken: ct)) == 1;
    }
}

/// <summary>
/// Keeps the data-protection key ring ahead of need (<see cref="DataProtectionKeys.EnsureKey"/>): about hourly per
/// instance, under the <c>data-protection-keys</c> lease so two instances do not both make the next key.
/// </summary>
public sealed class DataProtectionKeysJob(IKeyManager keys, JobInstance instance) : IJob
{
    public const string LeaseName = "data-protection-keys";

    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public string Name => LeaseName;

    public async Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        // The framework judges keys by the system clock, so the check does too.
        var now = DateTimeOffset.UtcNow;
        if (now < _next)
        {
            return 0;
        }
        _next = now.AddHours(1);
        var db = services.GetRequiredService<DbDataSource>();
        var at = Data.Clock.Now(services.GetRequiredService<TimeProvider>());
        if (!await JobLeases.TryClaimAsync(db, LeaseName, instance.Id, at, TimeSpan.FromMinutes(10), ct))
        {
            return 0;
        }
        return DataProtectionKeys.EnsureKey(keys, now) ? 1 : 0;
    }
}
