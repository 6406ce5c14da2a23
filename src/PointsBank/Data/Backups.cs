using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using PointsBank.Ledger;

namespace PointsBank.Data;

/// <summary>Bound from the <c>Backup</c> section.</summary>
public sealed class BackupOptions
{
    /// <summary>The daily backup job runs in the service (SQLite only; on SQL Server backups are the DBA's).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where backups go; empty means a <c>backups</c> folder beside the database file (<c>data/backups</c> by default).</summary>
    public string? Folder { get; set; }

    /// <summary>How many backups to keep; older ones are deleted after a new one verifies.</summary>
    public int Keep { get; set; } = 14;

    /// <summary>The job takes a backup when the newest one in the folder is older than this.</summary>
    public int IntervalHours { get; set; } = 24;
}

/// <summary>A backup that was written and verified.</summary>
public sealed record BackupResult(string Path, VerifyReport Report, IReadOnlyList<string> Pruned);

/// <summary>Why a backup or a restore did not happen; the verb prints it and exits non-zero.</summary>
public sealed class BackupException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode => exitCode;
}

/// <summary>
/// Backups of the SQLite database (DESIGN §2): SQLite's online backup API copies a consistent snapshot while the
/// service goes on posting (WAL: the copy reads one snapshot, writers are not blocked), the copy is checked with the
/// ledger verifier before it counts, it is named with the UTC time (<c>pointsbank-20261130T130000Z.db</c>), and only
/// the newest <see cref="BackupOptions.Keep"/> are kept. Restore refuses while a service holds the database
/// (<see cref="DatabaseFileLock"/>), verifies the file first, keeps the database it replaces, and verifies the result.
/// </summary>
public static partial class Backups
{
    public static string DatabasePath(DatabaseOptions options)
    {
        if (options.Provider != DatabaseProvider.Sqlite)
        {
            throw new BackupException(
                "the database is on SQL Server: backups and restores are the DBA's (BACKUP DATABASE / RESTORE DATABASE); see README, Backup");
        }
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        if (builder.Mode is SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            throw new BackupException("the database is in memory; there is nothing to back up");
        }
        return Path.GetFullPath(builder.DataSource);
    }

    public static string Folder(BackupOptions backup, DatabaseOptions database) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(backup.Folder)
            ? Path.Combine(Path.GetDirectoryName(DatabasePath(database))!, "backups")
            : backup.Folder);

    /// <summary>Copies the live database to <paramref name="folder"/>, verifies the copy, then prunes to <paramref name="keep"/>.</summary>
    public static async Task<BackupResult> BackupAsync(DatabaseOptions database, string folder, int keep, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var source = DatabasePath(database);
        if (!File.Exists(source))
        {
            throw new BackupException($"database file {source} does not exist (check ConnectionStrings:PointsBank)");
        }
        if (keep < 1)
        {
            throw new BackupException($"Backup:Keep must be at least 1 (it is {keep})");
        }
        Directory.CreateDirectory(folder);
        var stem = Path.GetFileNameWithoutExtension(source);
        var target = Path.Combine(folder, $"{stem}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.db");
        if (File.Exists(target))
        {
            throw new BackupException($"{target} exists already (one backup a second at most)");
        }
        var partial = target + ".partial";
        File.Delete(partial);
        try
        {
            await CopyAsync(source, partial, ct);
            var report = await VerifyFileAsync(partial, migrate: false, ct);
            if (!report.Intact)
            {
                throw new BackupException($"the copy does not verify: {report.FirstBreak}; the database itself may be damaged, run verify", 1);
            }
            File.Move(partial, target);
            return new BackupResult(target, report, Prune(folder, stem, keep));
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>The backups of <paramref name="stem"/> in <paramref name="folder"/>, oldest first (the names sort by time).</summary>
    public static IReadOnlyList<(string Path, DateTime TakenUtc)> List(string folder, string stem)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(folder, stem + "-*.db")
            .Select(path => (Path: path, Match: BackupName().Match(Path.GetFileName(path))))
            .Where(f => f.Match.Success && f.Match.Groups["stem"].Value == stem)
            .Select(f => (f.Path, DateTime.ParseExact(f.Match.Groups["time"].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)))
            .OrderBy(f => f.Item2)];
    }

    private static List<string> Prune(string folder, string stem, int keep)
    {
        var all = List(folder, stem);
        var pruned = new List<string>();
        foreach (var (path, _) in all.Take(Math.Max(0, all.Count - keep)))
        {
            File.Delete(path);
            pruned.Add(path);
        }
        return pruned;
    }

    /// <summary>
    /// Replaces the database with <paramref name="from"/>: refused while a service holds the database; the file is
    /// copied beside the database and brought to the current schema and verified there first; the database it
    /// replaces is kept as <c>…before-restore-TIME.db</c>; the restored database is verified again in place.
    /// </summary>
    public static async Task<(VerifyReport Report, string? Kept)> RestoreAsync(DatabaseOptions database, string from, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var target = DatabasePath(database);
        var file = Path.GetFullPath(from);
        if (!File.Exists(file))
        {
            throw new BackupException($"{file} does not exist");
        }
        if (string.Equals(file, target, StringComparison.Ordinal))
        {
            throw new BackupException("the backup and the database are the same file");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Held to the end: a service that starts meanwhile refuses to open the database.
        using var exclusive = DatabaseFileLock.TryExclusive(target)
            ?? throw new BackupException(
                $"a running PointsBank service holds {target} (its lock file {DatabaseFileLock.LockPath(target)} is open); stop the service first, then restore");
        SqliteConnection.ClearAllPools();
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var staged = $"{target}.restoring-{stamp}";
        try
        {
            VerifyReport first;
            try
            {
                await CopyAsync(file, staged, ct);
                first = await VerifyFileAsync(staged, migrate: true, ct);
            }
            catch (Exception e) when (e is SqliteException or MigrationException)
            {
                throw new BackupException($"{file} is not a PointsBank database this version can restore: {e.Message}", 1);
            }
            if (!first.Intact)
            {
                throw new BackupException($"{file} does not verify: {first.FirstBreak}; nothing was restored", 1);
            }
            string? kept = null;
            if (File.Exists(target))
            {
                kept = Path.Combine(Path.GetDirectoryName(target)!, $"{Path.GetFileNameWithoutExtension(target)}.before-restore-{stamp}.db");
                await CopyAsync(target, kept, ct);
                SqliteConnection.ClearAllPools();
            }
            foreach (var stale in new[] { target, target + "-wal", target + "-shm" })
            {
                File.Delete(stale);
            }
            File.Move(staged, target);
            var report = await VerifyFileAsync(target, migrate: false, ct);
            if (!report.Intact)
            {
                throw new BackupException($"the restored database does not verify: {report.FirstBreak}; the previous one is {kept}", 1);
            }
            return (report, kept);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(staged);
        }
    }

    /// <summary>One consistent copy through SQLite's online backup API; the copy is a single file (rollback journal, not WAL).</summary>
    private static async Task CopyAsync(string source, string destination, CancellationToken ct)
    {
        // ReadWrite, not ReadOnly: a read-only connection cannot always open a WAL database; the backup only reads.
        await using var from = new SqliteConnection(Open(source, SqliteOpenMode.ReadWrite));
        await using var to = new SqliteConnection(Open(destination, SqliteOpenMode.ReadWriteCreate));
        await from.OpenAsync(ct);
        await to.OpenAsync(ct);
        await using (var busy = from.CreateCommand())
        {
            busy.CommandText = "PRAGMA busy_timeout=30000;";
            await busy.ExecuteNonQueryAsync(ct);
        }
        from.BackupDatabase(to);
        await using var single = to.CreateCommand();
        single.CommandText = "PRAGMA journal_mode=DELETE;";
        await single.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The ledger verifier (and the schema check) run against a file that is not the configured database.</summary>
    public static async Task<VerifyReport> VerifyFileAsync(string path, bool migrate, CancellationToken ct = default)
    {
        var db = new SqliteDataSource(Open(path, SqliteOpenMode.ReadWrite));
        await new Migrator(db, SqlDialect.Sqlite, TimeProvider.System).MigrateAsync(apply: migrate, ct);
        return await new LedgerVerifier(db, SqlDialect.Sqlite).VerifyAsync(ct);
    }

    private static string Open(string path, SqliteOpenMode mode) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString();

    [GeneratedRegex(@"^(?<stem>.+)-(?<time>\d{8}T\d{6}Z)\.db$")]
    private static partial Regex BackupName();
}

/// <summary>
/// How restore knows a service holds the database: the service keeps <c>&lt;database&gt;.service-lock</c> open with a
/// shared lock for as long as it runs (several instances may share it); restore needs the lock exclusively. The
/// operating system drops the lock when the process ends, so a power cut leaves no stale lock behind (the file stays,
/// unlocked). On Windows it is a sharing mode of the open file, on Linux and macOS an advisory <c>flock</c>.
/// </summary>
public sealed class DatabaseFileLock : IDisposable
{
    private readonly FileStream _file;

    private DatabaseFileLock(FileStream file) => _file = file;

    public static string LockPath(string databasePath) => databasePath + ".service-lock";

    /// <summary>The service's hold on its SQLite database, or null on SQL Server and in memory.</summary>
    public static DatabaseFileLock? ForService(DatabaseOptions options)
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
        var path = LockPath(Path.GetFullPath(builder.DataSource));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new DatabaseFileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite));
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"{path} is locked exclusively: a restore of this database is running; start the service when it has finished", e);
        }
    }

    /// <summary>The lock for a restore, or null when a service holds the database.</summary>
    public static DatabaseFileLock? TryExclusive(string databasePath)
    {
        try
        {
            return new DatabaseFileLock(new FileStream(LockPath(databasePath), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
