using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Ledger;

/// <summary>
/// The database itself refuses to change the journal, whatever the app does (raw SQL, bypassing it), on every engine:
/// SQLite's RAISE(ABORT) triggers and SQL Server's INSTEAD OF triggers (THROW 51000/51001) both name the table as
/// append-only. The statements touch only this test's community, as a shared SQL Server holds other tests' rows.
/// </summary>
public abstract class AppendOnlyTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private long _community;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task PostOneTransaction()
    {
        _db = await TestDatabase.CreateAsync(provider);
        var community = await _db.NewCommunityAsync();
        _community = community.Id;
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 10));
    }

    [TearDown]
    public async Task Drop()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private const string OwnTransactions = "(SELECT id FROM ledger_transactions WHERE community_id = {c})";

    [TestCase("UPDATE ledger_transactions SET explanation = 'edited' WHERE community_id = {c}")]
    [TestCase("UPDATE ledger_transactions SET seq = seq + 100 WHERE community_id = {c}")]
    [TestCase("DELETE FROM ledger_transactions WHERE community_id = {c}")]
    [TestCase("UPDATE ledger_postings SET amount = amount * 2 WHERE transaction_id IN " + OwnTransactions)]
    [TestCase("DELETE FROM ledger_postings WHERE transaction_id IN " + OwnTransactions)]
    public async Task RawUpdateOrDelete_OnJournal_IsRejectedByTheDatabase(string sql)
    {
        var before = await Snapshot();
        Assert.That(before, Does.Contain("奖励 10 分"), "the community's journal has its award");

        var error = Assert.CatchAsync<DbException>(() => _db.ExecuteRawAsync(sql.Replace("{c}", _community.ToString())));

        Assert.That(error!.Message, Does.Contain("append-only"));
        Assert.That(await Snapshot(), Is.EqualTo(before));
    }

    private async Task<string> Snapshot()
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        var transactions = await connection.QueryAsync<(long Seq, string Explanation, string Hash)>(
            "SELECT seq, explanation, hash FROM ledger_transactions WHERE community_id = @c ORDER BY seq", new { c = _community });
        var postings = await connection.QueryAsync<(long Transaction, long Account, long Amount)>(
            "SELECT p.transaction_id, p.account_id, p.amount FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id " +
            "WHERE t.community_id = @c ORDER BY p.transaction_id, p.line_no", new { c = _community });
        return $"{string.Join(",", transactions)}|{string.Join(",", postings)}";
    }
}

[TestFixture]
public sealed class SqliteAppendOnlyTests() : AppendOnlyTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAppendOnlyTests() : AppendOnlyTests(DatabaseProvider.SqlServer);
