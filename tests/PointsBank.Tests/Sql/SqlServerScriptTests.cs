using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace PointsBank.Tests.Sql;

/// <summary>The SQL Server schema scripts, checked without a SQL Server: they parse, and they keep the journal append-only.</summary>
public sealed class SqlServerScriptTests
{
    private static IEnumerable<TestCaseData> Scripts() =>
        TSqlScripts.SqlServerScriptPaths().Select(path => new TestCaseData(Path.GetFileName(path)).SetArgDisplayNames(Path.GetFileName(path)));

    private static List<TSqlFragment> ParsedScripts() => TSqlScripts.ParseSqlServerScripts().Select(s => s.Script).ToList();

    [Test]
    public void SqlServerScripts_AreFound()
    {
        Assert.That(TSqlScripts.SqlServerScriptPaths().Select(Path.GetFileName), Has.Some.EqualTo("0001_ledger.sql"));
    }

    [TestCaseSource(nameof(Scripts))]
    public void SqlServerScripts_Parse(string file)
    {
        var text = File.ReadAllText(Path.Combine(TSqlScripts.RepositoryRoot(), "sql", "sqlserver", file));

        TSqlScripts.Parse(text, out var errors);

        Assert.That(errors.Select(TSqlScripts.Describe), Is.Empty, $"sql/sqlserver/{file} does not parse as T-SQL (SQL Server 2025)");
    }

    [Test]
    public void SqlServerScripts_CreateTheLedgerTables()
    {
        var schema = SchemaModel.FromSqlServerScripts();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(schema.Tables, Is.SupersetOf(JournalTables));
            Assert.That(schema.Columns("ledger_postings"), Is.EquivalentTo(new[] { "id", "transaction_id", "line_no", "account_id", "amount" }));
        }
    }

    [Test]
    public void SqlServerTriggers_RejectUpdateAndDelete_OnLedgerTables()
    {
        var schema = SchemaModel.FromSqlServerScripts();

        var guarded = JournalProtection.TablesRejectingUpdateAndDelete(ParsedScripts());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(schema.Tables, Is.SupersetOf(JournalTables));
            Assert.That(guarded, Is.SupersetOf(JournalTables));
        }
    }

    [Test]
    public void SqlServerScripts_GrantAppRoleOnlyInsertAndSelectOnJournal()
    {
        var problems = JournalProtection.GrantProblems(ParsedScripts(), JournalProtection.AppRole);

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void SqlServerScripts_DenyAppRoleUpdateAndDeleteOnJournal()
    {
        var denied = JournalProtection.TablesDenyingUpdateAndDelete(ParsedScripts(), JournalProtection.AppRole);

        Assert.That(denied, Is.SupersetOf(JournalTables));
    }

    [Test]
    public void TriggerCheck_IgnoresTriggersThatMissAnActionOrDoNotRaise()
    {
        const string script = """
            CREATE TRIGGER dbo.tr_only_update ON dbo.ledger_transactions AFTER UPDATE AS THROW 51000, N'no', 1;
            GO
            CREATE TRIGGER dbo.tr_silent ON dbo.ledger_postings INSTEAD OF UPDATE, DELETE AS SET NOCOUNT ON;
            GO
            """;

        var guarded = JournalProtection.TablesRejectingUpdateAndDelete([Parsed(script)]);

        Assert.That(guarded, Is.Empty);
    }

    [Test]
    public void GrantCheck_CatchesUpdateOrDeleteReachingTheJournal()
    {
        const string script = """
            GRANT SELECT, INSERT, UPDATE ON dbo.ledger_transactions TO pointsbank_app;
            GRANT SELECT, INSERT ON OBJECT::dbo.ledger_postings TO pointsbank_app;
            GRANT DELETE ON SCHEMA::dbo TO pointsbank_app;
            GRANT UPDATE ON dbo.ledger_postings TO someone_else;
            """;

        var problems = JournalProtection.GrantProblems([Parsed(script)], JournalProtection.AppRole);

        Assert.That(problems, Is.EquivalentTo(new[]
        {
            "GRANT UPDATE ON ledger_transactions TO pointsbank_app lets it change the journal",
            "GRANT DELETE ON SCHEMA::dbo TO pointsbank_app lets it change the journal",
            "pointsbank_app is granted [INSERT, SELECT, UPDATE] on ledger_transactions, not exactly SELECT and INSERT",
        }));
    }

    private static IReadOnlyList<string> JournalTables => JournalProtection.JournalTables;

    private static TSqlFragment Parsed(string script)
    {
        var fragment = TSqlScripts.Parse(script, out var errors);
        Assert.That(errors.Select(TSqlScripts.Describe), Is.Empty, "fixture script must parse");
        return fragment;
    }
}
