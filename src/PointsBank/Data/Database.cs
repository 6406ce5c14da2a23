using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace PointsBank.Data;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}

/// <summary>Bound from the <c>Database</c> section plus <c>ConnectionStrings:PointsBank</c>.</summary>
public sealed class DatabaseOptions
{
    public const string DefaultSqliteConnectionString = "Data Source=data/pointsbank.db";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    public string ConnectionString { get; set; } = DefaultSqliteConnectionString;

    /// <summary>Apply pending schema scripts when the service starts (the <c>migrate</c> verb always does).</summary>
    public bool MigrateOnStartup { get; set; } = true;
}

public static class Database
{
    static Database()
    {
        // Dapper would send DateTime as the legacy SQL Server datetime type, which rounds milliseconds.
        Dapper.SqlMapper.AddTypeMap(typeof(DateTime), System.Data.DbType.DateTime2);
        Dapper.SqlMapper.AddTypeMap(typeof(DateTime?), System.Data.DbType.DateTime2);
        Dapper.SqlMapper.AddTypeHandler(new DateOnlyHandler());
    }

    // Local dates (effective dates) are TEXT 'yyyy-MM-dd' on SQLite and `date` on SQL Server; one mapping for both.
    private sealed class DateOnlyHandler : Dapper.SqlMapper.TypeHandler<DateOnly>
    {
        public override DateOnly Parse(object value) => value switch
        {
            DateTime date => DateOnly.FromDateTime(date),
            string text => DateOnly.ParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new FormatException($"a date cannot be read from {value.GetType().Name}"),
        };

        public override void SetValue(System.Data.IDbDataParameter parameter, DateOnly value)
        {
            parameter.DbType = System.Data.DbType.String;
            parameter.Value = value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static DbDataSource CreateDataSource(DatabaseOptions options) => options.Provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDataSource(PrepareSqlite(options.ConnectionString)),
        DatabaseProvider.SqlServer => SqlClientFactory.Instance.CreateDataSource(options.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown database provider"),
    };

    public static SqlDialect CreateDialect(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => SqlDialect.Sqlite,
        DatabaseProvider.SqlServer => SqlDialect.SqlServer,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown database provider"),
    };

    // Creates the data folder and turns on WAL, which is a property of the file and so is set once here.
    private static string PrepareSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode is SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            return builder.ToString();
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
        return builder.ToString();
    }
}

/// <summary>
/// SQLite connections with the per-connection settings every connection needs: foreign keys on, a full fsync on
/// commit (an acknowledged redemption must survive a power cut) and a busy timeout so concurrent writers queue (other
/// processes, and writes outside the write queue). Set once per physical connection.
/// <c>temp_store=MEMORY</c>: a unit that joins a write group runs in a savepoint, whose sub-journal (a copy of every
/// page the unit changes, ~17 for an award) would otherwise spill past 64 KiB to a new file under /var/tmp, written
/// page by page in the writer's turn and unlinked at the commit. Durability is unchanged: the WAL and its fsync carry
/// the commit. A unit that changes thousands of pages (<see cref="PointsBank.Infrastructure.IBulkWrite"/>, the ledger's
/// batches) never runs in a savepoint, because a large in-memory sub-journal is slow (docs/performance.md, "temp_store").
/// </summary>
public sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    private const string ConnectionPragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA temp_store=MEMORY;";

    private long _commits;

    public override string ConnectionString => connectionString;

    /// <summary>
    /// Write transactions committed through this data source (SQLite's commit hook; a transaction that wrote nothing
    /// is not counted). Each is one fsync of the WAL under <c>synchronous=FULL</c>: what tests and the benchmark count.
    /// </summary>
    public long Commits => Interlocked.Read(ref _commits);

    // The physical connections (SQLite handles) already set up: the pool hands the same handle out again and again,
    // and its pragmas and commit hook stay with it, so they are set once per handle, not on every Open.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _prepared = [];

    protected override DbConnection CreateDbConnection()
    {
        var connection = new SqliteConnection(connectionString);
        connection.StateChange += (sender, e) =>
        {
            if (e.CurrentState == System.Data.ConnectionState.Open && sender is SqliteConnection opened && _prepared.TryAdd(opened.Handle!, this))
            {
                using var command = opened.CreateCommand();
                command.CommandText = ConnectionPragmas;
                command.ExecuteNonQuery();
                SQLitePCL.raw.sqlite3_commit_hook(opened.Handle, _ =>
                {
                    Interlocked.Increment(ref _commits);
                    return 0;
                }, null);
            }
        };
        return connection;
    }
}
