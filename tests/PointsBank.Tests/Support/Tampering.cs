using Dapper;
using PointsBank.Data;

namespace PointsBank.Tests.Support;

/// <summary>
/// Raw SQL past the append-only triggers, as an attacker with database access could run it, on either engine. The
/// guarded tables follow one naming: SQLite has <c>tr_&lt;table&gt;_no_update</c> and <c>tr_&lt;table&gt;_no_delete</c>
/// (RAISE(ABORT)); SQL Server has <c>dbo.tr_&lt;table&gt;_append_only</c> (INSTEAD OF UPDATE, DELETE; THROW).
/// </summary>
public static class Tampering
{
    /// <summary>
    /// Runs <paramref name="sql"/> with the triggers of <paramref name="tables"/> out of the way. On SQLite (a file of
    /// the test's own) they are dropped for good. On SQL Server, which other tests share, one transaction disables them,
    /// runs the SQL and enables them again: DISABLE TRIGGER holds a schema lock to the commit, so no other session ever
    /// sees the table unguarded, and a failure rolls the whole batch back. With <paramref name="ignoreChecks"/> the
    /// first table's CHECK constraints are off for the statement too (re-enabled without re-checking the row).
    /// The SQL must touch only the test's own community's rows.
    /// </summary>
    public static async Task TamperAsync(this TestDatabase db, string sql, object? args, bool ignoreChecks, params string[] tables)
    {
        await using var connection = await db.Db.OpenConnectionAsync();
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            foreach (var table in tables)
            {
                await connection.ExecuteAsync($"DROP TRIGGER IF EXISTS tr_{table}_no_update; DROP TRIGGER IF EXISTS tr_{table}_no_delete;");
            }
            await connection.ExecuteAsync(ignoreChecks ? $"PRAGMA ignore_check_constraints = ON; {sql}" : sql, args);
            return;
        }
        await connection.ExecuteAsync(SqlServerBatch(sql, ignoreChecks, tables), args);
    }

    /// <summary>The tables whose triggers the tests step past (each has its trigger on both engines).</summary>
    public static readonly IReadOnlyList<string> GuardedTables = ["ledger_transactions", "ledger_postings", "ranking_snapshots", "ranking_snapshot_rows"];

    /// <summary>The SQL Server batch <see cref="TamperAsync(TestDatabase, string, object?, bool, string[])"/> sends (parsed by a test here).</summary>
    public static string SqlServerBatch(string sql, bool ignoreChecks, IReadOnlyList<string> tables)
    {
        var off = string.Join("\n", tables.Select(t => $"DISABLE TRIGGER dbo.tr_{t}_append_only ON dbo.{t};"));
        var on = string.Join("\n", tables.Select(t => $"ENABLE TRIGGER dbo.tr_{t}_append_only ON dbo.{t};"));
        var checksOff = ignoreChecks ? $"ALTER TABLE dbo.{tables[0]} NOCHECK CONSTRAINT ALL;" : "";
        var checksOn = ignoreChecks ? $"ALTER TABLE dbo.{tables[0]} CHECK CONSTRAINT ALL;" : "";
        return $"""
            SET XACT_ABORT ON;
            BEGIN TRANSACTION;
            {off}
            {checksOff}
            {sql};
            {checksOn}
            {on}
            COMMIT TRANSACTION;
            """;
    }

    public static Task TamperAsync(this TestDatabase db, string sql, params string[] tables) => db.TamperAsync(sql, null, false, tables);
}
