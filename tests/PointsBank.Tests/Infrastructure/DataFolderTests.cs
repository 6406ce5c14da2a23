using Microsoft.Extensions.Configuration;
using PointsBank.Infrastructure;

namespace PointsBank.Tests.Infrastructure;

/// <summary>One setting, PointsBank:DataFolder, places the database and the keys (and so the backups); their own settings win.</summary>
public sealed class DataFolderTests
{
    private static ConfigurationManager Configuration(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return configuration;
    }

    [Test]
    public void TheDataFolder_HoldsTheDatabaseAndTheKeys()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pointsbank-office");
        var configuration = Configuration(("PointsBank:DataFolder", folder));

        var resolved = configuration.ApplyDataFolder();
        var database = ServiceSetup.ReadDatabaseOptions(configuration);

        Assert.That(resolved, Is.EqualTo(Path.GetFullPath(folder)));
        Assert.That(database.ConnectionString, Is.EqualTo($"Data Source={Path.Combine(Path.GetFullPath(folder), "pointsbank.db")}"));
        Assert.That(configuration["DataProtection:KeysPath"], Is.EqualTo(Path.Combine(Path.GetFullPath(folder), "keys")));
        Assert.That(PointsBank.Data.Backups.Folder(new PointsBank.Data.BackupOptions(), database),
            Is.EqualTo(Path.Combine(Path.GetFullPath(folder), "backups")));
    }

    [Test]
    public void ABuild_WithoutTheSetting_KeepsTodaysDataFolder()
    {
        var configuration = Configuration();

        configuration.ApplyDataFolder();

        Assert.That(Hosting.IsPackaged, Is.False, "the tests run a build, not the package");
        Assert.That(configuration.GetConnectionString("PointsBank"), Is.EqualTo("Data Source=data/pointsbank.db"));
        Assert.That(configuration["DataProtection:KeysPath"], Is.EqualTo(Path.Combine("data", "keys")));
    }

    [Test]
    public void TheirOwnSettings_Win_AndSqlServerGetsNoSqliteFile()
    {
        var own = Configuration(("PointsBank:DataFolder", "/srv/pb"), ("ConnectionStrings:PointsBank", "Data Source=/mnt/ledger.db"),
            ("DataProtection:KeysPath", "/mnt/keys"));
        var sqlServer = Configuration(("PointsBank:DataFolder", "/srv/pb"), ("Database:Provider", "SqlServer"));

        own.ApplyDataFolder();
        sqlServer.ApplyDataFolder();

        Assert.That(own.GetConnectionString("PointsBank"), Is.EqualTo("Data Source=/mnt/ledger.db"));
        Assert.That(own["DataProtection:KeysPath"], Is.EqualTo("/mnt/keys"));
        Assert.That(sqlServer.GetConnectionString("PointsBank"), Is.Null);
        Assert.Throws<InvalidOperationException>(() => ServiceSetup.ReadDatabaseOptions(sqlServer), "SQL Server still needs its connection string");
    }
}
