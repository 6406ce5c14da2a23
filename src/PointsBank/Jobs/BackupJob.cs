using Microsoft.Extensions.Options;
using PointsBank.Data;

namespace PointsBank.Jobs;

/// <summary>
/// The daily backup, installation-wide (not per community): at a tick when the newest backup in the folder is older
/// than <see cref="BackupOptions.IntervalHours"/> (or there is none: so a PC switched on each morning gets its backup
/// at start), one online copy, verified, pruned to <see cref="BackupOptions.Keep"/>. The folder is its only state, so a
/// restart or a power cut changes nothing. On SQL Server it does nothing and says so once.
/// </summary>
public sealed class BackupJob(IOptions<BackupOptions> options, DatabaseOptions database, ILogger<BackupJob> logger) : IJob
{
    private int _saidSqlServer;

    public string Name => "backup";

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
        if (Backups.List(folder, stem) is [.., var newest] && newest.TakenUtc > now.AddHours(-Math.Max(1, backup.IntervalHours)))
        {
            return 0;
        }
        var result = await Backups.BackupAsync(database, folder, backup.Keep, now, ct);
        logger.LogInformation("backup job: wrote {Path} (verified), deleted {Pruned} older backup(s)", result.Path, result.Pruned.Count);
        return 1;
    }
}
