using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;

namespace PointsBank.Tests.Support;

/// <summary>
/// The database of a test's own web host (<see cref="AppFactory"/>, the browser suites' <c>BrowserApp</c>) and the one
/// way such a host is configured: a fresh SQLite file, or on SQL Server (POINTSBANK_SQLSERVER) a scratch database
/// (<see cref="SqlServerScratch"/>), since the Development seed's community and users have fixed names. The host runs in
/// Development with the demo seed, rate limits and backups out of the way, on the given clock.
/// </summary>
public sealed class HostDatabase
{
    private readonly string _file;
    private readonly string? _sqlServer;

    private HostDatabase(DatabaseProvider provider, string file, string? sqlServer)
    {
        Provider = provider;
        _file = file;
        _sqlServer = sqlServer;
    }

    public DatabaseProvider Provider { get; }

    /// <summary>The SQLite file (its name starts with <paramref name="prefix"/> in the temp folder's pointsbank-tests).</summary>
    public string File => Provider == DatabaseProvider.Sqlite ? _file : throw new InvalidOperationException("no file on SQL Server");

    /// <summary>A fresh SQLite file; nothing is created until the host starts.</summary>
    public static HostDatabase Sqlite(string prefix) =>
        new(DatabaseProvider.Sqlite, Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"{prefix}-{Guid.NewGuid():N}.db"), null);

    /// <summary>
    /// A fresh database on <paramref name="provider"/>; ignores the calling fixture (with the reason) when that engine
    /// is not configured here. On SQL Server the scratch database is created now (empty: the host's migrator fills it).
    /// </summary>
    public static HostDatabase Create(DatabaseProvider provider, string prefix)
    {
        TestDatabase.RequireEngine(provider);
        return provider == DatabaseProvider.SqlServer
            ? new HostDatabase(provider, "", SqlServerScratch.Create())
            : Sqlite(prefix);
    }

    /// <summary>The host's settings: environment, provider and connection string, limits, backups, the clock.</summary>
    public void Configure(IWebHostBuilder builder, TimeProvider? clock)
    {
        builder.UseEnvironment("Development");
        if (_sqlServer is not null)
        {
            builder.UseSetting("Database:Provider", "SqlServer");
            builder.UseSetting("ConnectionStrings:PointsBank", _sqlServer);
        }
        else
        {
            builder.UseSetting("ConnectionStrings:PointsBank", $"Data Source={_file}");
        }
        builder.UseSetting("RateLimits:SignInPerMinute", "10000");
        builder.UseSetting("Backup:Enabled", "false");
        builder.UseSetting("RateLimits:PublicPerMinute", "10000");
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(clock ?? TimeProvider.System));
    }

    /// <summary>Drops the scratch database, or deletes the SQLite file and its WAL; call after the host is disposed.</summary>
    public async Task DropAsync()
    {
        if (_sqlServer is not null)
        {
            await SqlServerScratch.DropAsync(_sqlServer);
            return;
        }
        SqliteConnection.ClearAllPools();
        foreach (var path in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            System.IO.File.Delete(path);
        }
    }
}
