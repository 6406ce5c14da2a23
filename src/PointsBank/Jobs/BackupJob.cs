using Microsoft.Extensions.Options;
using PointsBank.Data;

namespace PointsBank.Jobs;

/// <summary>
/// The daily backup, installation-wide (not per community): at a tick when the newest backup in the folder is older
/// than <see cref="BackupOptions.IntervalHours"/> (or there is none: so a PC switched on each morning gets its backup
/// at start), one online copy, verified, pruned to <see cref="BackupOptions.Keep"/>. The folder is its only state, so a
/// restart or a power cut changes nothing. On SQL Server it does nothing and says so once.
/// </summary>
public sealed class BackupJob(IOptions<BackupOptions> options, DatabaseOptions database, ILogger<BackupJob> logger, JobInstance? instance = null) : IJob
{
    private int _saidSqlServer;

    public const string LeaseName = "backup";

    public string Name => "backup";

    private static bool Fresh(string folder, string stem, DateTime now, BackupOptions backup) =>
        Backups.List(folder, stem) is [.., var newest] && newest.TakenUtc > now.AddHours(-Math.Max(1, backup.IntervalHours));

    public async Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        var backup = options.Value;
        if (!backup.Enabled)
        {
            return 0;
        }
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            if (Interlocked.Exchange(ref _saidSqlServer, 1) == 0)
            {
                logger.LogInformation("backup job: the database is on SQL Server, whose backups are the DBA's (README, Backup); this job does nothing");
            }
            return 0;
        }
        var folder = Backups.Folder(backup, database);
        var now = Clock.Now(services.GetRequiredService<TimeProvider>());
        var stem = Path.GetFileNameWithoutExtension(Backups.DatabasePath(database));
        if (Fresh(folder, stem, now, backup))
        {
            return 0;
        }
        // Several instances on one database file (one folder): the first to claim the lease backs up; the others find
        // the fresh backup when the lease lapses. A holder that dies leaves the lease to lapse within the hour.
        if (instance is not null && !await JobLeases.TryClaimAsync(services.GetRequiredService<System.Data.Common.DbDataSource>(),
                LeaseName, instance.Id, now, TimeSpan.FromHours(1), ct))
        {
            return 0;
        }
        if (Fresh(folder, stem, now, backup))
        {
            return 0;
        }
        var result = await Backups.BackupAsync(database, folder, backup.Keep, now, ct);
        logger.LogInformation("backup job: wrote {Path} (verified), deleted {Pruned} older backup(s)", result.Path, result.Pruned.Count);
        return 1;
    }
}
