using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Ledger;

/// <summary>The database itself refuses to change the journal, whatever the app does (raw SQL, bypassing it).</summary>
public sealed class AppendOnlyTests
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task PostOneTransaction()
    {
        _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var community = await _db.NewCommunityAsync();
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 10));
    }

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    [TestCase("UPDATE ledger_transactions SET explanation = 'edited'")]
    [TestCase("UPDATE ledger_transactions SET seq = seq + 100")]
    [TestCase("DELETE FROM ledger_transactions")]
    [TestCase("UPDATE ledger_postings SET amount = amount * 2")]
    [TestCase("DELETE FROM ledger_postings")]
    public async Task RawUpdateOrDelete_OnJournal_IsRejectedByTheDatabase(string sql)
    {
        var before = await Snapshot();

        var error = Assert.ThrowsAsync<SqliteException>(() => _db.ExecuteRawAsync(sql));

        Assert.That(error!.Message, Does.Contain("append-only"));
        Assert.That(await Snapshot(), Is.EqualTo(before));
    }

    private async Task<string> Snapshot() =>
        $"{await _db.ScalarRawAsync("SELECT group_concat(seq || ':' || explanation || ':' || hash) FROM ledger_transactions")}|" +
        $"{await _db.ScalarRawAsync("SELECT group_concat(transaction_id || ':' || account_id || ':' || amount) FROM ledger_postings")}";
}
