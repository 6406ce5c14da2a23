using Microsoft.SqlServer.TransactSql.ScriptDom;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Sql;

/// <summary>
/// The SQL Server side of the tests' tampering (<see cref="Tampering"/>) cannot run here: its batch must at least parse
/// as SQL Server would, and the triggers it disables must be the ones the schema scripts create (as on SQLite the
/// triggers it drops).
/// </summary>
public sealed class TamperingSqlTests
{
    [TestCase(false, "ledger_transactions", "ledger_postings")]
    [TestCase(true, "ledger_transactions", "ledger_postings")]
    [TestCase(false, "ranking_snapshots")]
    [TestCase(false, "ranking_snapshot_rows")]
    public void TheSqlServerBatch_Parses(bool ignoreChecks, params string[] tables)
    {
        var batch = Tampering.SqlServerBatch(
            $"UPDATE {tables[0]} SET x = @text WHERE id = (SELECT id FROM ledger_transactions WHERE community_id = 1 AND seq = 2)", ignoreChecks, tables);

        TSqlScripts.Parse(batch, out var errors);

        Assert.That(errors.Select(TSqlScripts.Describe), Is.Empty, batch);
        Assert.That(batch, Does.Contain("BEGIN TRANSACTION").And.Contain("COMMIT TRANSACTION"));
        foreach (var table in tables)
        {
            Assert.That(batch, Does.Contain($"DISABLE TRIGGER dbo.tr_{table}_append_only ON dbo.{table};")
                .And.Contain($"ENABLE TRIGGER dbo.tr_{table}_append_only ON dbo.{table};"));
        }
    }

    [Test]
    public void EveryGuardedTable_HasTheTriggersTamperingNames_OnBothEngines()
    {
        var sqlServer = new List<(string Trigger, string Table)>();
        foreach (var (_, script, _) in TSqlScripts.ParseSqlServerScripts())
        {
            var triggers = new Triggers();
            script.Accept(triggers);
            sqlServer.AddRange(triggers.Found);
        }
        var sqlite = string.Join("\n", Directory.GetFiles(Path.Combine(TSqlScripts.RepositoryRoot(), "sql", "sqlite"), "*.sql").Select(File.ReadAllText));

        foreach (var table in Tampering.GuardedTables)
        {
            Assert.That(sqlServer, Does.Contain(($"tr_{table}_append_only", table)), table);
            Assert.That(sqlite, Does.Contain($"CREATE TRIGGER tr_{table}_no_update BEFORE UPDATE ON {table}")
                .And.Contain($"CREATE TRIGGER tr_{table}_no_delete BEFORE DELETE ON {table}"), table);
        }
    }

    private sealed class Triggers : TSqlFragmentVisitor
    {
        public List<(string Trigger, string Table)> Found { get; } = [];

        public override void Visit(CreateTriggerStatement node) =>
            Found.Add((node.Name.BaseIdentifier.Value, node.TriggerObject.Name.BaseIdentifier.Value));
    }
}
