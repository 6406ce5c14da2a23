using System.Reflection;

namespace PointsBank.Infrastructure;

/// <summary>
/// How the packaged service runs (README, "装到村委电脑上 / Installing it on the office PC"): its data outside the
/// program folder, its pages and static files from the program folder, and under Windows' service manager or systemd
/// when one starts it (outside one, both do nothing).
/// </summary>
public static class Hosting
{
    public const string DataFolderKey = "PointsBank:DataFolder";

    /// <summary>The service runs from a published single file (the package), not from a build (<c>dotnet run</c>, tests).</summary>
    // An assembly inside a single-file bundle has no location (IL3000 warns of exactly this, which is what is asked here).
#pragma warning disable IL3000
    public static bool IsPackaged => string.IsNullOrEmpty(typeof(Hosting).Assembly.Location);
#pragma warning restore IL3000

    /// <summary>
    /// The package serves its pages' CSS and JS from <c>wwwroot</c> beside the executable, wherever it is started from
    /// (a Windows service starts in System32); a build keeps the usual content root (the working folder).
    /// </summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = IsPackaged ? AppContext.BaseDirectory : null,
    };

    /// <summary>
    /// The one folder that holds the database, the data-protection keys and the backups: <c>PointsBank:DataFolder</c>
    /// when set; else, for the package, <c>%ProgramData%\PointsBank</c> on Windows and <c>/var/lib/pointsbank</c> on
    /// Linux; else (a build: <c>dotnet run</c>, tests) <c>data</c> in the working folder, as before.
    /// </summary>
    public static string DataFolder(IConfiguration configuration)
    {
        if (configuration[DataFolderKey] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(Environment.ExpandEnvironmentVariables(configuration[DataFolderKey]!));
        }
        if (!IsPackaged)
        {
            return "data";
        }
        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "PointsBank")
            : "/var/lib/pointsbank";
    }

    /// <summary>
    /// Points the database (SQLite), the keys and so the backups (beside the database) into the data folder, unless
    /// <c>ConnectionStrings:PointsBank</c>, <c>DataProtection:KeysPath</c> or <c>Backup:Folder</c> say otherwise.
    /// </summary>
    public static string ApplyDataFolder(this ConfigurationManager configuration)
    {
        var folder = DataFolder(configuration);
        var defaults = new Dictionary<string, string?>();
        var sqlServer = string.Equals(configuration["Database:Provider"], "SqlServer", StringComparison.OrdinalIgnoreCase);
        if (!sqlServer && string.IsNullOrEmpty(configuration.GetConnectionString("PointsBank")))
        {
            defaults["ConnectionStrings:PointsBank"] = $"Data Source={Path.Combine(folder, "pointsbank.db")}";
        }
        if (string.IsNullOrEmpty(configuration["DataProtection:KeysPath"]))
        {
            defaults["DataProtection:KeysPath"] = Path.Combine(folder, "keys");
        }
        if (defaults.Count > 0)
        {
            configuration.AddInMemoryCollection(defaults);
        }
        return folder;
    }

    /// <summary>
    /// Runs as a Windows service when the service manager starts it (its stop, its Event Log) and as a systemd unit
    /// (<c>Type=notify</c>: ready once listening; journald log levels). The service-collection forms, since a
    /// WebApplicationBuilder may not change its content root after it is built (that is <see cref="Options"/>' job).
    /// </summary>
    public static IServiceCollection AddServiceManagers(this IServiceCollection services)
    {
        services.AddWindowsService(o => o.ServiceName = "PointsBank");
        services.AddSystemd();
        return services;
    }

    /// <summary>The version the package was built from, for the start-up log line.</summary>
    public static string Version =>
        typeof(Hosting).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
}
