using PointsBank.Data;
using PointsBank.Ledger;

namespace PointsBank.Tests.Sql;

/// <summary>
/// Every statement the app can send to SQL Server parses as T-SQL and names only tables and columns that the SQL
/// Server scripts create. Nothing here needs a server.
/// </summary>
public sealed class AppStatementTests
{
    private static readonly Lazy<TSqlReferenceChecker> Checker = new(() => new TSqlReferenceChecker(
        SchemaModel.FromSqlServerScripts().WithTablesCreatedBy(AppStatements.All.Select(s => s.Sql))));

    private static IEnumerable<TestCaseData> Statements() =>
        AppStatements.All.Select(s => new TestCaseData(s.Name, s.Sql).SetArgDisplayNames(s.Name));

    [Test]
    public void AppStatements_AreCollectedFromConstantsAndSqlServerDialectText()
    {
        var statements = AppStatements.All;
        TestContext.Out.WriteLine($"{statements.Count} statements: {string.Join(", ", statements.Select(s => s.Name))}");

        using (Assert.EnterMultipleScope())
        {
            // A floor, so that a broken collector cannot pass by finding nothing.
            Assert.That(statements, Has.Count.GreaterThanOrEqualTo(25));
            Assert.That(statements, Has.One.EqualTo(new AppStatement("LedgerSql.InsertPosting", LedgerSql.InsertPosting)));
            Assert.That(statements, Has.One.EqualTo(new AppStatement("SqlDialect.LockChainHead.SqlServer", SqlDialect.LockChainHead.SqlServer)));
            Assert.That(statements.Select(s => s.Name), Is.Unique);
            // Dapper's list parameters are checked as sent: `IN @usernames` as a parenthesised list.
            Assert.That(statements.Single(s => s.Name == "ActorNames.Select").Sql, Does.EndWith("WHERE username IN (@usernames)"));
        }
    }

    [TestCaseSource(nameof(Statements))]
    public void EveryAppStatement_ParsesAsTSql170(string name, string sql)
    {
        TSqlScripts.Parse(sql, out var errors);

        Assert.That(errors.Select(TSqlScripts.Describe), Is.Empty, $"{name} does not parse as T-SQL (SQL Server 2025)");
    }

    [TestCaseSource(nameof(Statements))]
    public void EveryAppStatement_NamesExistingTablesAndColumns(string name, string sql)
    {
        var problems = Checker.Value.Check(name, sql);

        Assert.That(problems, Is.Empty);
    }
}
