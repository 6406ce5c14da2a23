using System.Globalization;
using Dapper;
using PointsBank.Data;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Ledger;

/// <summary>
/// Tampering made with raw SQL past the append-only triggers (as an attacker with database access could; see
/// <see cref="Tampering"/> for how on each engine): verify must find it and name the transaction, on every engine.
/// Each test has a database of its own (<see cref="TestDatabase.CreateOwnAsync"/>); even so only its community is
/// tampered with and only that community's result is read.
/// </summary>
public abstract class VerifyTamperTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;
    private long _a;
    private long _b;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task PostFiveTransactions()
    {
        // A database of its own: a tampered community left on a shared server would be every later whole-database
        // verify's first break, and each verify there walks every community other tests made.
        _db = await TestDatabase.CreateOwnAsync(provider);
        _community = await _db.NewCommunityAsync();
        (_a, _) = await _community.NewHouseholdAccountAsync();
        (_b, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(_a, 10));   // 1
        await _community.PostAsync(_community.Award(_b, 20));   // 2
        await _community.PostAsync(_community.Deduct(_a, 3));   // 3
        await _community.PostAsync(_community.Redeem(_b, 5));   // 4
        await _community.PostAsync(_community.Award(_a, 7));    // 5
        Assert.That((await _db.VerifyCommunityAsync(_community.Id)).Break, Is.Null, "the untouched ledger verifies");
    }

    [TearDown]
    public async Task Drop()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    /// <summary>Runs tampering SQL past the journal's triggers (and, when asked, past its CHECK constraints).</summary>
    private Task TamperAsync(string sql, object? args = null, bool ignoreChecks = false) =>
        _db.TamperAsync(sql, args, ignoreChecks, "ledger_transactions", "ledger_postings");

    private string Tx(long seq) => $"(SELECT id FROM ledger_transactions WHERE community_id = {_community.Id} AND seq = {seq})";

    // Inserts a transaction chained correctly on its predecessor, as a forger who knows the algorithm would (INSERT
    // passes the append-only triggers on both engines).
    private async Task<string> InsertForgedAsync(LedgerTransaction forged)
    {
        var hash = CanonicalForm.Hash(forged.PrevHash, forged);
        await using var connection = await _db.Db.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO ledger_transactions (community_id, seq, kind, category, idempotency_key, request_hash, facts, explanation, actor,
                occurred_at, effective_date, prev_hash, hash)
            VALUES (@community, @seq, 'award', @category, @key, 'x', @facts, @explanation, @actor, @occurredAt, @effectiveDate, @prevHash, @hash)
            """,
            new
            {
                community = _community.Id, seq = forged.Seq, category = forged.Category, key = forged.IdempotencyKey, facts = forged.Facts,
                explanation = forged.Explanation, actor = forged.Actor,
                // SQLite keeps the text the app writes; SQL Server's datetime2(3) takes the value.
                occurredAt = provider == DatabaseProvider.Sqlite
                    ? forged.OccurredAt.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)
                    : (object)forged.OccurredAt,
                effectiveDate = forged.EffectiveDate, prevHash = forged.PrevHash, hash,
            });
        foreach (var (posting, line) in forged.Postings.Select((p, i) => (p, i + 1)))
        {
            await _db.ExecuteRawAsync(
                $"INSERT INTO ledger_postings (transaction_id, line_no, account_id, amount) VALUES ({Tx(forged.Seq)}, {line}, {posting.AccountId}, {posting.Amount})");
        }
        return hash;
    }

    private async Task<ChainBreak> FirstBreak()
    {
        var found = (await _db.VerifyCommunityAsync(_community.Id)).Break;
        Assert.That(found, Is.Not.Null, "verify must notice the tampering");
        return found!;
    }

    [Test]
    public async Task ChangedPostingAmount_IsNamedBySequence()
    {
        await TamperAsync($"UPDATE ledger_postings SET amount = amount - 1 WHERE transaction_id = {Tx(3)} AND line_no = 1");

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(3));
        Assert.That(found.What, Does.Contain("sum to"));
    }

    [Test]
    public async Task ChangedPostingAmountsThatStillBalance_BreakTheHash()
    {
        await TamperAsync($"UPDATE ledger_postings SET amount = -amount * 2 WHERE transaction_id = {Tx(3)}");

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(3));
        Assert.That(found.What, Does.Contain("hash mismatch"));
    }

    [Test]
    public async Task ChangedExplanation_BreaksTheHash()
    {
        await TamperAsync($"UPDATE ledger_transactions SET explanation = @text WHERE id = {Tx(2)}", new { text = "改过的说明" });

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(2));
        Assert.That(found.What, Does.Contain("hash mismatch"));
    }

    [Test]
    public async Task DeletedTransaction_IsNamedAsMissing()
    {
        await TamperAsync($"DELETE FROM ledger_postings WHERE transaction_id = {Tx(3)}");
        await TamperAsync($"DELETE FROM ledger_transactions WHERE id = {Tx(3)}");

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(3));
        Assert.That(found.What, Does.Contain("missing"));
    }

    [Test]
    public async Task DeletedLastTransaction_IsNamedAsMissing()
    {
        await TamperAsync($"DELETE FROM ledger_postings WHERE transaction_id = {Tx(5)}");
        await TamperAsync($"DELETE FROM ledger_transactions WHERE id = {Tx(5)}");

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(5));
        Assert.That(found.What, Does.Contain("missing"));
    }

    [Test]
    public async Task InsertedTransaction_WithAValidHash_IsNamedAsNotCoveredByTheHead()
    {
        // The forger knows the algorithm and chains the new row correctly; the chain head still ends at 5.
        var last = (await _db.Ledger.GetTransactionAsync(_community.Id, 5))!;
        var forged = last with
        {
            Seq = 6, IdempotencyKey = "forged", Explanation = "伪造的奖励", PrevHash = last.Hash,
            Postings = [new PostingLine(_community.Issuance, -500), new PostingLine(_a, 500)],
        };
        await InsertForgedAsync(forged);

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(6));
        Assert.That(found.What, Does.Contain("not covered by the chain head"));
    }

    [Test]
    public async Task InsertedTransaction_WithTheHeadMovedToo_IsCaughtByTheBalances()
    {
        var last = (await _db.Ledger.GetTransactionAsync(_community.Id, 5))!;
        var forged = last with { Seq = 6, IdempotencyKey = "forged", PrevHash = last.Hash };
        var hash = await InsertForgedAsync(forged);
        await _db.ExecuteRawAsync($"UPDATE chain_heads SET last_seq = 6, last_hash = '{hash}' WHERE community_id = {_community.Id}");

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(6));
        Assert.That(found.What, Does.Contain("balance of account"));
    }

    [Test]
    public async Task ChangedBalanceProjection_IsNamedByTheAccountsLastTransaction()
    {
        await _db.ExecuteRawAsync($"UPDATE balances SET balance = balance + 100 WHERE account_id = {_b}");

        var found = await FirstBreak();

        Assert.That(found.Seq, Is.EqualTo(4), "account b was last posted by transaction 4");
        Assert.That(found.What, Does.Contain($"balance of account {_b}"));
    }

    [Test]
    public async Task ChangedMonthlyAggregate_IsReported()
    {
        await _db.ExecuteRawAsync($"UPDATE monthly_aggregates SET earned = earned + 50 WHERE account_id = {_a} AND category = 'good_deed'");

        var found = await FirstBreak();

        Assert.That(found.What, Does.Contain("monthly aggregate").And.Contain($"account {_a}"));
    }

    [Test]
    public async Task ChangedMonthlyTotal_IsReported()
    {
        // The aggregates stay right; only the per-month total over their categories (migration 0018) is changed.
        await _db.ExecuteRawAsync($"UPDATE monthly_totals SET earned = earned + 1 WHERE account_id = {_a}");

        var found = await FirstBreak();

        Assert.That(found.What, Does.Contain("monthly total").And.Contain($"account {_a}"));
    }

    [Test]
    public async Task ChangedHeldAmount_IsReported()
    {
        await _db.ExecuteRawAsync($"UPDATE balances SET held = 4 WHERE account_id = {_a}");

        var found = await FirstBreak();

        Assert.That(found.What, Does.Contain($"held of account {_a}"));
    }

    // Values no app would write; CHECK constraints are switched off for the statement, as an attacker could. The two
    // times cannot be stored on SQL Server at all (datetime2(3) rounds the first and refuses the second), so those
    // cases are SQLite's.
    [TestCase("occurred_at", "'2026-11-15 02:00:00.1234567'", "cannot be hashed", false, TestName = "SubMillisecondTime_IsABreak")]
    [TestCase("occurred_at", "'not a time'", "cannot be read", false, TestName = "UnparsableTime_IsABreak")]
    [TestCase("kind", "'gift'", "cannot be read", true, TestName = "UnknownKind_IsABreak")]
    [TestCase("hash", "'not-a-hash'", "hash mismatch", true, TestName = "UnparsableHash_IsABreak")]
    public async Task BadStoredValue_IsABreakNamingTheSequence_NotACrash(string column, string value, string what, bool sqlServerCanStoreIt)
    {
        if (provider == DatabaseProvider.SqlServer && !sqlServerCanStoreIt)
        {
            Assert.Ignore($"SQL Server's datetime2(3) {column} column cannot hold {value}: this tampering is SQLite's only");
        }
        await TamperAsync($"UPDATE ledger_transactions SET {column} = {value} WHERE id = {Tx(2)}", ignoreChecks: true);

        var found = await FirstBreak();

        Assert.That(found.CommunityId, Is.EqualTo(_community.Id));
        Assert.That(found.Seq, Is.EqualTo(2));
        Assert.That(found.What, Does.Contain(what));
    }

    [Test]
    public async Task VerifyDuringConcurrentPosting_SeesNoFalseBreak_AndStillNamesATamperedSequence()
    {
        // Three posters award in a loop; `verifying` gets a function that waits until another award has committed, so
        // the ledger moves under verify however fast or slow this machine is (every fourth run waits: commits cost an
        // fsync each, and the test should take seconds).
        async Task<int> RunPostersWhile(Func<Func<Task>, Task> verifying)
        {
            using var stop = new CancellationTokenSource();
            var posted = 0;
            var posters = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await _community.PostAsync(_community.Award(_a, 1));
                    Interlocked.Increment(ref posted);
                }
            })).ToList();
            async Task NextPosting()
            {
                var seen = Volatile.Read(ref posted);
                while (Volatile.Read(ref posted) == seen)
                {
                    if (posters.FirstOrDefault(t => t.IsCompleted) is { } ended)
                    {
                        await ended;
                        Assert.Fail("a poster stopped");
                    }
                    await Task.Delay(1);
                }
            }
            try
            {
                await verifying(NextPosting);
            }
            finally
            {
                await stop.CancelAsync();
                await Task.WhenAll(posters);
            }
            return posted;
        }

        var falseBreaks = new List<string>();
        var postedMeanwhile = await RunPostersWhile(async nextPosting =>
        {
            for (var run = 0; run < 200; run++)
            {
                if (run % 4 == 0)
                {
                    await nextPosting();
                }
                if ((await _db.VerifyCommunityAsync(_community.Id)).Break is { } broken)
                {
                    falseBreaks.Add(broken.ToString());
                }
            }
        });
        await TamperAsync($"UPDATE ledger_postings SET amount = amount + 1 WHERE transaction_id = {Tx(3)} AND line_no = 1");
        var tampered = new List<ChainBreak?>();
        await RunPostersWhile(async nextPosting =>
        {
            for (var run = 0; run < 10; run++)
            {
                await nextPosting();
                tampered.Add((await _db.VerifyCommunityAsync(_community.Id)).Break);
            }
        });

        Assert.That(postedMeanwhile, Is.GreaterThanOrEqualTo(50), "the ledger moved at least every fourth verify run");
        Assert.That(falseBreaks, Is.Empty);
        Assert.That(tampered.Select(b => b?.Seq), Is.All.EqualTo(3));
    }
}

[TestFixture]
public sealed class SqliteVerifyTamperTests() : VerifyTamperTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerVerifyTamperTests() : VerifyTamperTests(DatabaseProvider.SqlServer);
