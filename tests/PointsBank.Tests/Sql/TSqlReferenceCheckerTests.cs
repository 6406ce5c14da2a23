namespace PointsBank.Tests.Sql;

/// <summary>The reference checker against the real SQL Server schema: it passes sound statements and names what is wrong in bad ones.</summary>
public sealed class TSqlReferenceCheckerTests
{
    private static readonly Lazy<TSqlReferenceChecker> Checker = new(() => new TSqlReferenceChecker(SchemaModel.FromSqlServerScripts()));

    private static IReadOnlyList<string> Check(string sql) => Checker.Value.Check("Fixture", sql);

    [TestCase("SELECT amout FROM ledger_postings WHERE transaction_id = @id", "column ledger_postings.amout does not exist")]
    [TestCase("UPDATE balances SET balanse = 1", "column balances.balanse does not exist")]
    [TestCase("UPDATE balances SET balance = 1 WHERE acount_id = @id", "column balances.acount_id does not exist")]
    [TestCase("INSERT INTO ledger_postings (transaction_id, line_no, account_id, amout) VALUES (@t, 1, @a, 5)", "column ledger_postings.amout does not exist")]
    [TestCase("SELECT p.amout FROM ledger_postings p", "column ledger_postings.amout does not exist")]
    [TestCase("SELECT a.amount FROM accounts a JOIN ledger_postings p ON p.account_id = a.id", "column accounts.amount does not exist")]
    [TestCase("SELECT held FROM accounts a JOIN ledger_postings p ON p.account_id = a.id", "column held does not exist in any of accounts, ledger_postings")]
    [TestCase("INSERT INTO holds (community_id, account_id, amount, status, reference, actor, created_at) OUTPUT inserted.idd VALUES (1, 1, 1, 'open', '', '', @now)", "column holds.idd does not exist")]
    [TestCase("DELETE FROM holds WHERE stat = 'open'", "column holds.stat does not exist")]
    [TestCase("SELECT id FROM accounts ORDER BY nam", "column accounts.nam does not exist")]
    public void ReferenceCheck_CatchesMisspelledColumn(string sql, string problem)
    {
        Assert.That(Check(sql), Is.EqualTo(new[] { $"Fixture: {problem}" }));
    }

    [TestCase("SELECT id FROM ledger_posting WHERE transaction_id = @id", "table ledger_posting does not exist")]
    [TestCase("INSERT INTO balance (account_id) VALUES (@id)", "table balance does not exist")]
    [TestCase("SELECT a.id FROM accounts a JOIN dbo.holdz h ON h.account_id = a.id", "table holdz does not exist")]
    [TestCase("SELECT id FROM audit.accounts", "table audit.accounts does not exist")]
    [TestCase("SELECT x.id FROM accounts a", "x in x.id is not a table or alias of the statement")]
    [TestCase("SELECT accounts.id FROM accounts a", "accounts in accounts.id is not a table or alias of the statement")]
    public void ReferenceCheck_CatchesUnknownTable(string sql, string problem)
    {
        Assert.That(Check(sql), Is.EqualTo(new[] { $"Fixture: {problem}" }));
    }

    [TestCase("SELEC id FROM accounts")]
    [TestCase("SELECT id FROM accounts WHERE")]
    [TestCase("INSERT INTO balances (account_id VALUES (@id)")]
    public void ReferenceCheck_CatchesSyntaxError(string sql)
    {
        Assert.That(Check(sql), Has.Count.GreaterThan(0).And.All.StartsWith("Fixture: syntax error at line 1, column "));
    }

    [TestCase("SELECT amount FROM ledger_postings WHERE transaction_id = @id")]
    [TestCase("UPDATE balances SET balance = 1 WHERE account_id = @id")]
    [TestCase("SELECT a.id, b.balance AS Balance FROM dbo.accounts AS a JOIN balances b ON b.account_id = a.id ORDER BY Balance")]
    [TestCase("UPDATE b SET held = b.held + 1 FROM balances b JOIN accounts a ON a.id = b.account_id WHERE a.community_id = @c")]
    [TestCase("INSERT INTO holds (community_id, account_id, amount, status, reference, actor, created_at) OUTPUT inserted.id VALUES (1, 1, 1, 'open', '', '', @now)")]
    [TestCase("WITH recent AS (SELECT account_id, SUM(amount) AS total FROM ledger_postings GROUP BY account_id) SELECT r.account_id, total FROM recent r ORDER BY total")]
    [TestCase("SELECT d.n FROM (SELECT COUNT(*) AS n FROM holds WHERE expires_at < DATEADD(day, -1, @now)) AS d")]
    [TestCase("MERGE balances AS t USING (SELECT @a AS account_id) AS s ON t.account_id = s.account_id WHEN MATCHED THEN UPDATE SET balance = t.balance + 1 WHEN NOT MATCHED THEN INSERT (account_id, community_id) VALUES (s.account_id, @c);")]
    [TestCase("SELECT last_seq FROM chain_heads WITH (UPDLOCK, HOLDLOCK) WHERE community_id = @c; SELECT CAST(SCOPE_IDENTITY() AS bigint);")]
    [TestCase("IF OBJECT_ID(N'dbo.scratch', N'U') IS NULL CREATE TABLE dbo.scratch (id int NOT NULL CONSTRAINT ck_scratch CHECK (id > 0))")]
    public void ReferenceCheck_AcceptsSoundStatement(string sql)
    {
        Assert.That(Check(sql), Is.Empty);
    }

    [Test]
    public void ReferenceCheck_SeesTablesTheStatementCreatesItself()
    {
        const string sql = """
            CREATE TABLE dbo.scratch (id int NOT NULL, note nvarchar(10) NULL);
            INSERT INTO scratch (id, note) VALUES (1, N'x');
            SELECT nope FROM scratch;
            """;

        Assert.That(Check(sql), Is.EqualTo(new[] { "Fixture: column scratch.nope does not exist" }));
    }
}
