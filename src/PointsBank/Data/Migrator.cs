using System.Data.Common;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace PointsBank.Data;

public sealed record MigrationScript(int Version, string Name, string Text)
{
    /// <summary>SHA-256 of the script with line endings normalised, so a checkout with CRLF does not look changed.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes(Text.ReplaceLineEndings("\n"))));
}

public sealed record MigrationReport(IReadOnlyList<string> Applied, int AlreadyApplied);

public sealed class MigrationException(string message) : Exception(message);

/// <summary>
/// Applies the numbered scripts of <c>sql/&lt;engine&gt;/</c> (embedded in the assembly) in order, records each
/// with its checksum, and refuses to go on when an applied script has changed since.
/// </summary>
public sealed partial class Migrator(DbDataSource db, SqlDialect dialect, TimeProvider clock)
{
    private static readonly DialectSql CreateHistoryTable = new(
        Sqlite: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                checksum   TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """,
        SqlServer: """
            IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
            CREATE TABLE dbo.schema_migrations (
                version    int           NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
                name       nvarchar(200) NOT NULL,
                checksum   char(64)      NOT NULL,
                applied_at datetime2(3)  NOT NULL
            )
            """);

    private const string SelectApplied = """
        SELECT version AS Version, name AS Name, checksum AS Checksum FROM schema_migrations ORDER BY version
        """;

    private const string InsertApplied = """
        INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (@version, @name, @checksum, @appliedAt)
        """;

    private sealed record AppliedRow(long Version, string Name, string Checksum);

    public static IReadOnlyList<MigrationScript> Scripts(DatabaseProvider provider)
    {
        var folder = provider == DatabaseProvider.Sqlite ? "sqlite" : "sqlserver";
        var assembly = typeof(Migrator).Assembly;
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ScriptName().Match(resource);
            if (!match.Success || match.Groups["folder"].Value != folder)
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts.Add(new MigrationScript(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }
        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Version == scripts[i - 1].Version)
            {
                throw new MigrationException($"two scripts carry number {scripts[i].Version:D4} in sql/{folder}");
            }
        }
        return scripts;
    }

    /// <summary>
    /// Checks the applied scripts and applies the pending ones. With <paramref name="apply"/> false (a service whose
    /// login may not change the schema) pending scripts are an error instead: run the <c>migrate</c> verb first.
    /// </summary>
    public async Task<MigrationReport> MigrateAsync(bool apply = true, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(dialect.Pick(CreateHistoryTable), cancellationToken: ct));
        var applied = (await connection.QueryAsync<AppliedRow>(new CommandDefinition(SelectApplied, cancellationToken: ct)))
            .ToDictionary(r => r.Version);

        var scripts = Scripts(dialect.Provider);
        foreach (var row in applied.Values)
        {
            var script = scripts.FirstOrDefault(s => s.Version == row.Version)
                ?? throw new MigrationException($"the database has script {row.Version:D4}_{row.Name} applied, which this version does not know");
            if (script.Checksum != row.Checksum.Trim())
            {
                throw new MigrationException(
                    $"script {script.Version:D4}_{script.Name} was changed after it was applied (checksum {row.Checksum.Trim()} in the database, {script.Checksum} now). Restore the original script and put the change in a new numbered script.");
            }
        }

        var pending = scripts.Where(s => !applied.ContainsKey(s.Version)).ToList();
        if (!apply && pending.Count > 0)
        {
            throw new MigrationException(
                $"{pending.Count} schema script(s) are pending ({string.Join(", ", pending.Select(s => $"{s.Version:D4}_{s.Name}"))}); run the migrate verb with a login that may change the schema");
        }
        var done = new List<string>();
        foreach (var script in pending)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            foreach (var batch in Batches(script.Text))
            {
                await connection.ExecuteAsync(new CommandDefinition(batch, transaction: tx, cancellationToken: ct));
            }
            await connection.ExecuteAsync(new CommandDefinition(InsertApplied,
                new { version = script.Version, name = script.Name, checksum = script.Checksum, appliedAt = Clock.Now(clock) },
                tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            done.Add($"{script.Version:D4}_{script.Name}");
        }
        return new MigrationReport(done, applied.Count);
    }

    /// <summary>SQL Server scripts are split on <c>GO</c> lines as sqlcmd does; SQLite scripts run whole.</summary>
    private IEnumerable<string> Batches(string text) =>
        dialect.Provider == DatabaseProvider.Sqlite
            ? [text]
            : GoLine().Split(text).Where(b => !string.IsNullOrWhiteSpace(b));

    [GeneratedRegex(@"^sql/(?<folder>sqlite|sqlserver)/(?<version>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ScriptName();

    [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex GoLine();
}
