using System.Data.Common;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using PointsBank.Data;

namespace PointsBank.Infrastructure;

/// <summary>Where data-protection keys come from besides the database: a folder of an older installation, imported once.</summary>
public sealed class DataProtectionKeyOptions
{
    /// <summary>
    /// A folder of key files (<c>key-*.xml</c>) written by an earlier version, which kept its keys in
    /// <c>DataProtection:KeysPath</c> (default <c>data/keys</c>): imported into the database at start-up when present,
    /// so cards sealed and cookies issued before the upgrade stay readable. The folder is never written.
    /// </summary>
    public string? ImportFolder { get; set; }
}

/// <summary>
/// The data-protection key ring (it protects sign-in cookies, antiforgery tokens and the sealed card tokens) stored in
/// the database, table <c>data_protection_keys</c>: every app instance on one database reads the same keys, so a sign-in
/// made on one instance behind a load balancer works on the next, and a card sealed on one is unsealed on another.
/// Rows are only added (a revocation is a new element). The key manager calls this synchronously and rarely: once per
/// key-ring refresh (a day) and when a key is made.
/// </summary>
public sealed class DatabaseXmlRepository(DbDataSource db, TimeProvider clock) : IXmlRepository
{
    private const string SelectAll = "SELECT xml FROM data_protection_keys ORDER BY id";

    internal const string Insert = """
        INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@friendlyName, @xml, @createdAt)
        """;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenConnection();
        return [.. connection.Query<string>(SelectAll).Select(xml => XElement.Parse(xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = db.OpenConnection();
        connection.Execute(Insert, new
        {
            friendlyName = NameFor(element, friendlyName),
            xml = element.ToString(SaveOptions.DisableFormatting),
            createdAt = Clock.Now(clock),
        });
    }

    // The key manager names a key "key-{id}"; anything else (a revocation) gets a unique name of its own.
    private static string NameFor(XElement element, string friendlyName) =>
        element.Name.LocalName == "key" && !string.IsNullOrWhiteSpace(friendlyName) ? friendlyName : $"{friendlyName}-{Guid.NewGuid():N}";
}

/// <summary>Start-up and upkeep of the key ring in the database: the folder import and a key ahead of need.</summary>
public static class DataProtectionKeys
{
    /// <summary>A new key is made this long before the current one expires, to activate after every instance has seen it.</summary>
    public static readonly TimeSpan Ahead = TimeSpan.FromDays(14);

    /// <summary>Every instance re-reads the key ring at least daily; a successor activates only after that.</summary>
    public static readonly TimeSpan Propagation = TimeSpan.FromDays(2);

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    private const string Exists = "SELECT COUNT(*) FROM data_protection_keys WHERE friendly_name = @friendlyName";


    /// <summary>
    /// Imports the key files of <paramref name="folder"/> (an older installation's <c>DataProtection:KeysPath</c>) that
    /// the table does not have yet, by file name; returns how many. A missing folder imports nothing. Running it again
    /// imports nothing more.
    /// </summary>
    public static async Task<int> ImportFolderAsync(DbDataSource db, string? folder, DateTime now, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
        {
            return 0;
        }
        var imported = 0;
        await using var connection = await db.OpenConnectionAsync(ct);
        foreach (var file in Directory.EnumerateFiles(folder, "*.xml").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(Exists, new { friendlyName = name }, cancellationToken: ct)) > 0)
            {
                continue;
            }
            var element = XElement.Parse(await File.ReadAllTextAsync(file, ct));
            await connection.ExecuteAsync(new CommandDefinition(DatabaseXmlRepository.Insert,
                new { friendlyName = name, xml = element.ToString(SaveOptions.DisableFormatting), createdAt = now }, cancellationToken: ct));
            imported++;
        }
        return imported;
    }

    /// <summary>
    /// Makes sure a key is active now and one is valid well ahead, so the framework never has to make a key in the
    /// middle of a request (inside a unit of work, a write on another connection would wait for SQLite's lock). With no
    /// active key it makes one active at once; when every key expires within <see cref="Ahead"/>, it makes a successor
    /// that activates after <see cref="Propagation"/>, when every instance has re-read the ring. Returns whether it made one.
    /// </summary>
    public static bool EnsureKey(IKeyManager keys, DateTimeOffset now)
    {
        var all = keys.GetAllKeys().Where(k => !k.IsRevoked).ToList();
        if (!all.Any(k => k.ActivationDate <= now && k.ExpirationDate > now))
        {
            keys.CreateNewKey(now, now + Lifetime);
            return true;
        }
        if (!all.Any(k => k.ExpirationDate > now + Ahead))
        {
            keys.CreateNewKey(now + Propagation, now + Propagation + Lifetime);
            return true;
        }
        return false;
    }

    /// <summary>The start-up step every host runs after migrating: import an older folder once, then make sure of a key.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct)
    {
        var clock = services.GetRequiredService<TimeProvider>();
        var folder = services.GetService<Microsoft.Extensions.Options.IOptions<DataProtectionKeyOptions>>()?.Value.ImportFolder;
        var imported = await ImportFolderAsync(services.GetRequiredService<DbDataSource>(), folder, Clock.Now(clock), ct);
        if (imported > 0)
        {
            services.GetService<ILoggerFactory>()?.CreateLogger(typeof(DataProtectionKeys))
                .LogWarning("Imported {Count} data-protection key file(s) from {Folder} into the database; the folder is no longer read or written", imported, folder);
        }
        // The framework judges its keys by the system clock (not the injected TimeProvider), so this does too.
        EnsureKey(services.GetRequiredService<IKeyManager>(), DateTimeOffset.UtcNow);
    }
}
