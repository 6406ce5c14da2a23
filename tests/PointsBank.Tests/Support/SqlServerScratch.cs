using Microsoft.Data.SqlClient;

namespace PointsBank.Tests.Support;

/// <summary>
/// A SQL Server database of a test's own, on the server POINTSBANK_SQLSERVER names, for the suites that cannot share
/// one: the web host (its Development seed makes the community <c>demo</c> and the demo users), the CLI verbs that
/// report on the whole database (verify, admin bootstrap, the schema state). Created empty (the app's migrator fills
/// it) and dropped at the end; the login needs CREATE DATABASE (e.g. the dbcreator role) for these suites.
/// </summary>
public static class SqlServerScratch
{
    private static SqlConnectionStringBuilder Configured() =>
        new(Environment.GetEnvironmentVariable(TestDatabase.SqlServerVariable)
            ?? throw new InvalidOperationException($"{TestDatabase.SqlServerVariable} is not set"));

    /// <summary>Creates <c>pointsbank_t_&lt;guid&gt;</c> and returns the configured connection string pointing at it.</summary>
    public static async Task<string> CreateAsync()
    {
        var name = $"pointsbank_t_{Guid.NewGuid():N}";
        await ExecuteOnMasterAsync($"CREATE DATABASE [{name}];");
        return new SqlConnectionStringBuilder(Configured().ConnectionString) { InitialCatalog = name }.ConnectionString;
    }

    public static string Create() => CreateAsync().GetAwaiter().GetResult();

    /// <summary>Drops the database <paramref name="connectionString"/> points at (closing whatever still uses it).</summary>
    public static async Task DropAsync(string connectionString)
    {
        var name = new SqlConnectionStringBuilder(connectionString).InitialCatalog;
        if (!name.StartsWith("pointsbank_t_", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"refusing to drop {name}: not a scratch database");
        }
        using (var pooled = new SqlConnection(connectionString))
        {
            SqlConnection.ClearPool(pooled);
        }
        await ExecuteOnMasterAsync($"""
            IF DB_ID(N'{name}') IS NOT NULL
            BEGIN
                ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
                DROP DATABASE [{name}];
            END;
            """);
    }

    private static async Task ExecuteOnMasterAsync(string sql)
    {
        var master = new SqlConnectionStringBuilder(Configured().ConnectionString) { InitialCatalog = "master" };
        await using var connection = new SqlConnection(master.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
