using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Infrastructure;

/// <summary>
/// The upgrade from a key folder: an installation before schema 0016 kept its data-protection keys in
/// <c>DataProtection:KeysPath</c>. Its files are imported into the database once, so the card tokens it sealed (and
/// the cookies it issued) stay readable; a second start imports nothing more. The key ring is the installation's, so
/// each test has a database of its own on either engine.
/// </summary>
public abstract class DataProtectionKeysTests(DatabaseProvider provider)
{
    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [Test]
    public async Task KeysOfAnOlderFolder_AreImportedOnce_AndTheCardsTheySealedStayReadable()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"keys-{Guid.NewGuid():N}");
        try
        {
            // The older installation: keys in a folder, a card token sealed with them.
            string sealedBefore;
            await using (var older = new ServiceCollection().AddDataProtection().SetApplicationName("PointsBank")
                             .PersistKeysToFileSystem(new DirectoryInfo(folder)).Services.BuildServiceProvider())
            {
                sealedBefore = new CardLinks(older.GetRequiredService<IDataProtectionProvider>()).Seal("pbc_sealed-before-the-upgrade");
            }
            var files = Directory.GetFiles(folder, "key-*.xml");
            Assert.That(files, Has.Length.EqualTo(1));
            var keyName = Path.GetFileNameWithoutExtension(files[0]);

            await using var upgraded = await TestDatabase.CreateOwnAsync(provider,
                services => services.Configure<DataProtectionKeyOptions>(o => o.ImportFolder = folder));
            var again = await DataProtectionKeys.ImportFolderAsync(upgraded.Db, folder, DateTime.UtcNow, CancellationToken.None);

            Assert.That(upgraded.Services.GetRequiredService<CardLinks>().Unseal(sealedBefore), Is.EqualTo("pbc_sealed-before-the-upgrade"));
            Assert.That(again, Is.Zero, "already imported: nothing twice");
            Assert.That(Convert.ToInt64(await upgraded.ScalarRawAsync($"SELECT COUNT(*) FROM data_protection_keys WHERE friendly_name = '{keyName}'")),
                Is.EqualTo(1));
            Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(1), "the folder is read, never written");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task WithoutAFolder_NothingIsImported()
    {
        await using var db = await TestDatabase.CreateOwnAsync(provider);

        Assert.That(await DataProtectionKeys.ImportFolderAsync(db.Db, Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}"), DateTime.UtcNow,
            CancellationToken.None), Is.Zero);
        Assert.That(await DataProtectionKeys.ImportFolderAsync(db.Db, null, DateTime.UtcNow, CancellationToken.None), Is.Zero);
    }
}

[TestFixture]
public sealed class SqliteDataProtectionKeysTests() : DataProtectionKeysTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerDataProtectionKeysTests() : DataProtectionKeysTests(DatabaseProvider.SqlServer);
