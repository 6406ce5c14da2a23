using System.Data;
using System.Data.Common;

namespace PointsBank.Data;

/// <summary>One statement written for each engine, where the portable subset is not enough.</summary>
public sealed record DialectSql(string Sqlite, string SqlServer);

/// <summary>
/// The one place where SQLite and SQL Server differ: locking, inserted ids, paging. Everything else is written
/// once in the portable subset.
/// </summary>
public sealed class SqlDialect
{
    public static readonly SqlDialect Sqlite = new(DatabaseProvider.Sqlite);
    public static readonly SqlDialect SqlServer = new(DatabaseProvider.SqlServer);

    private SqlDialect(DatabaseProvider provider) => Provider = provider;

    public DatabaseProvider Provider { get; }

    public string Pick(DialectSql sql) => Provider == DatabaseProvider.Sqlite ? sql.Sqlite : sql.SqlServer;

    /// <summary>
    /// Starts a writing transaction. On SQLite this is BEGIN IMMEDIATE (the database write lock is taken up front,
    /// so two writers never deadlock on lock upgrade); on SQL Server, READ COMMITTED plus the UPDLOCK on the
    /// community's chain head taken by <see cref="LockChainHead"/>.
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

    /// <summary>Locks the community's chain head and reads it with the community's time zone, penalty policy, back-dating limit, state and year-end policy.</summary>
    public static readonly DialectSql LockChainHead = new(
        Sqlite: """
            SELECT h.last_seq, h.last_hash, c.time_zone, c.penalty_policy, c.backdate_days, c.is_active, c.year_end, c.year_end_base
              FROM chain_heads h JOIN communities c ON c.id = h.community_id
             WHERE h.community_id = @communityId
            """,
        SqlServer: """
            SELECT h.last_seq, h.last_hash, c.time_zone, c.penalty_policy, c.backdate_days, c.is_active, c.year_end, c.year_end_base
              FROM chain_heads h WITH (UPDLOCK, HOLDLOCK) JOIN communities c ON c.id = h.community_id
             WHERE h.community_id = @communityId
            """);

}
