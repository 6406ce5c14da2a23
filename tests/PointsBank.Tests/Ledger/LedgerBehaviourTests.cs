using PointsBank.Data;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Ledger;

/// <summary>The ledger's rules (DESIGN §3), run against every engine: SQLite always, SQL Server when configured.</summary>
public abstract class LedgerBehaviourTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync();
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task AssertIntact()
    {
        var report = await _db.VerifyOwnAsync();
        Assert.That(report.FirstBreak, Is.Null, report.FirstBreak?.ToString());
    }

    [Test]
    public async Task Award_MovesPointsFromIssuance_AndChainsFromGenesis()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();

        var first = await _community.PostAsync(_community.Award(account, 10, member: member));
        var second = await _community.PostAsync(_community.Award(account, 5));

        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(15));
        Assert.That((await _community.BalanceAsync(_community.Issuance)).Balance, Is.EqualTo(-15));
        Assert.That(first.Seq, Is.EqualTo(1));
        Assert.That(first.PrevHash, Is.EqualTo(CanonicalForm.GenesisHash));
        Assert.That(first.MemberId, Is.EqualTo(member));
        Assert.That(second.Seq, Is.EqualTo(2));
        Assert.That(second.PrevHash, Is.EqualTo(first.Hash));
        await AssertIntact();
    }

    [TestCase(10, -9)]
    [TestCase(10, -11)]
    [TestCase(0, 0)]
    public async Task Post_PostingsNotSummingToZero_IsRefusedAndWritesNothing(long credit, long debit)
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var entry = _community.Award(account, 1) with
        {
            Postings = [new PostingLine(_community.Issuance, debit), new PostingLine(account, credit)],
        };
        if (credit == 0)
        {
            entry = entry with { Postings = [new PostingLine(account, 0)] };
        }

        var result = await _db.Ledger.PostAsync(entry);

        Assert.That(result.Error, Is.EqualTo(LedgerError.Unbalanced));
        // This community's rows only: on a shared SQL Server other tests' communities have transactions.
        Assert.That(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id}"), Is.EqualTo(0L).Or.EqualTo(0));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
    }

    [Test]
    public async Task Post_ToAnotherCommunitysAccount_IsRefused()
    {
        var other = await _db.NewCommunityAsync();
        var (foreignAccount, _) = await other.NewHouseholdAccountAsync();

        var result = await _db.Ledger.PostAsync(_community.Award(foreignAccount, 5));

        Assert.That(result.Error, Is.EqualTo(LedgerError.UnknownAccount));
        Assert.That((await other.BalanceAsync(foreignAccount)).Balance, Is.Zero);
    }

    [Test]
    public async Task Redeem_32ConcurrentOnePointAgainstTen_PostsExactlyTen()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 10));

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(() => _db.Ledger.PostAsync(_community.Redeem(account, 1, $"redeem-{i}")))));

        Assert.That(results.Count(r => r.Succeeded), Is.EqualTo(10));
        Assert.That(results.Where(r => !r.Succeeded).Select(r => r.Error), Is.All.EqualTo(LedgerError.InsufficientPoints));
        var balance = await _community.BalanceAsync(account);
        Assert.That(balance.Balance, Is.Zero);
        Assert.That(balance.Available, Is.Zero);
        Assert.That((await _community.BalanceAsync(_community.Redeemed)).Balance, Is.EqualTo(10));
        await AssertIntact();
    }

    [Test]
    public async Task SameKeyFromEightTasks_YieldsOneTransaction()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var entry = _community.Award(account, 7, key: "same-key");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _db.Ledger.PostAsync(entry))));

        Assert.That(results.Select(r => r.Error), Is.All.Null);
        Assert.That(results.Select(r => r.Transaction!.Seq).Distinct(), Has.Exactly(1).Items);
        Assert.That(results.Count(r => !r.Replayed), Is.EqualTo(1));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(7));
        Assert.That(Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM ledger_transactions WHERE community_id = {_community.Id}")),
            Is.EqualTo(1));
        await AssertIntact();
    }

    [Test]
    public async Task SameKeyWithAnotherPayload_IsConflict()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var original = await _community.PostAsync(_community.Award(account, 7, key: "k"));

        var replay = await _db.Ledger.PostAsync(_community.Award(account, 7, key: "k"));
        var conflict = await _db.Ledger.PostAsync(_community.Award(account, 8, key: "k"));

        Assert.That(replay.Replayed, Is.True);
        Assert.That(replay.Transaction!.Hash, Is.EqualTo(original.Hash));
        Assert.That(conflict.Error, Is.EqualTo(LedgerError.IdempotencyConflict));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(7));
    }

    [Test]
    public async Task SameKeyInAnotherCommunity_IsIndependent()
    {
        var other = await _db.NewCommunityAsync();
        var (a, _) = await _community.NewHouseholdAccountAsync();
        var (b, _) = await other.NewHouseholdAccountAsync();

        await _community.PostAsync(_community.Award(a, 3, key: "shared"));
        var second = await _db.Ledger.PostAsync(other.Award(b, 4, key: "shared"));

        Assert.That(second.Replayed, Is.False);
        Assert.That((await other.BalanceAsync(b)).Balance, Is.EqualTo(4));
    }

    [Test]
    public async Task Reverse_RestoresBalanceAndReferencesOriginal_Once()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var award = await _community.PostAsync(_community.Award(account, 12));

        var reversal = await _db.Ledger.ReverseAsync(_community.Id, award.Seq, "录入错误", "test:committee", "rev-1");
        var again = await _db.Ledger.ReverseAsync(_community.Id, award.Seq, "再次冲正", "test:committee", "rev-2");
        var ofReversal = await _db.Ledger.ReverseAsync(_community.Id, reversal.Transaction!.Seq, "冲正的冲正", "test:committee", "rev-3");

        Assert.That(reversal.Error, Is.Null);
        Assert.That(reversal.Transaction!.Kind, Is.EqualTo(TransactionKind.Reverse));
        Assert.That(reversal.Transaction.ReversesSeq, Is.EqualTo(award.Seq));
        Assert.That(reversal.Transaction.Postings, Is.EqualTo(award.Postings.Select(p => p with { Amount = -p.Amount })));
        Assert.That(reversal.Transaction.Explanation, Does.Contain("录入错误"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
        Assert.That(again.Error, Is.EqualTo(LedgerError.AlreadyReversed));
        Assert.That(ofReversal.Error, Is.EqualTo(LedgerError.NotReversible));
        await AssertIntact();
    }

    [TestCase("")]
    [TestCase("   ")]
    public async Task Reverse_WithoutReason_IsRefused(string reason)
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var award = await _community.PostAsync(_community.Award(account, 12));

        var result = await _db.Ledger.ReverseAsync(_community.Id, award.Seq, reason, "test:committee", "rev");

        Assert.That(result.Error, Is.EqualTo(LedgerError.InvalidEntry));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(12));
    }

    [Test]
    public async Task Reverse_UnknownTransaction_IsNotFound()
    {
        var result = await _db.Ledger.ReverseAsync(_community.Id, 999, "不存在", "test:committee", "rev");

        Assert.That(result.Error, Is.EqualTo(LedgerError.TransactionNotFound));
    }

    [Test]
    public async Task Deduct_BeyondBalance_IsCappedAndExplained()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 8));

        var deduction = await _community.PostAsync(_community.Deduct(account, 20));

        Assert.That(deduction.Postings, Is.EqualTo(new[] { new PostingLine(account, -8), new PostingLine(_community.Penalty, 8) }));
        Assert.That(deduction.Explanation, Does.Contain("应扣 20 分，实扣 8 分"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.Zero);
        await AssertIntact();
    }

    [Test]
    public async Task Deduct_UnderAllowNegativePolicy_TakesTheFullAmount()
    {
        var community = await _db.NewCommunityAsync(penaltyPolicy: "allow_negative");
        var (account, _) = await community.NewHouseholdAccountAsync();
        await community.PostAsync(community.Award(account, 8));

        await community.PostAsync(community.Deduct(account, 20));

        Assert.That((await community.BalanceAsync(account)).Balance, Is.EqualTo(-12));
        await AssertIntact();
    }

    [Test]
    public async Task Redeem_CannotSpendHeldPoints()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 10));
        var hold = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 7, "voucher-1", "test:shop", "hold-1", null);

        var redeem = await _db.Ledger.PostAsync(_community.Redeem(account, 4));
        var shortHold = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 4, "voucher-2", "test:shop", "hold-2", null);

        Assert.That(hold.Error, Is.Null);
        Assert.That(redeem.Error, Is.EqualTo(LedgerError.InsufficientPoints));
        Assert.That(shortHold.Error, Is.EqualTo(LedgerError.InsufficientPoints));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held, balance.Available), Is.EqualTo((10L, 7L, 3L)));
        await AssertIntact();
    }

    [Test]
    public async Task Hold_CaptureTurnsItIntoARedemption_AndReleaseFreesIt()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 30));
        var captured = (await _db.Ledger.PlaceHoldAsync(_community.Id, account, 10, "v1", "test:shop", "h1", null)).Hold!;
        var released = (await _db.Ledger.PlaceHoldAsync(_community.Id, account, 5, "v2", "test:shop", "h2", null)).Hold!;

        var capture = await _db.Ledger.CaptureHoldAsync(_community.Id, captured.Id, "c1", "", "test:shop");
        var captureAgain = await _db.Ledger.CaptureHoldAsync(_community.Id, captured.Id, "c1", "", "test:shop");
        var release = await _db.Ledger.ReleaseHoldAsync(_community.Id, released.Id);
        var captureReleased = await _db.Ledger.CaptureHoldAsync(_community.Id, released.Id, "c2", "", "test:shop");
        var releaseCaptured = await _db.Ledger.ReleaseHoldAsync(_community.Id, captured.Id);

        Assert.That(capture.Transaction!.Kind, Is.EqualTo(TransactionKind.Redeem));
        Assert.That(capture.Transaction.Postings, Is.EqualTo(new[] { new PostingLine(account, -10), new PostingLine(_community.Redeemed, 10) }));
        Assert.That(captureAgain.Replayed, Is.True);
        Assert.That(captureAgain.Transaction!.Seq, Is.EqualTo(capture.Transaction.Seq));
        Assert.That(release.Error, Is.Null);
        Assert.That(captureReleased.Error, Is.EqualTo(LedgerError.HoldNotOpen));
        Assert.That(releaseCaptured.Error, Is.EqualTo(LedgerError.HoldNotOpen));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held, balance.Available), Is.EqualTo((20L, 0L, 20L)));
        await AssertIntact();
    }

    [Test]
    public async Task Hold_CaptureRefusedForOverdraft_LeavesTheUnitAsItWas()
    {
        // A reversal took the account below what its open holds reserve; a capture is refused, and the same unit of work
        // then releases the other voucher. The refused capture must not have changed what the unit commits.
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var award = await _community.PostAsync(_community.Award(account, 10));
        var refused = (await _db.Ledger.PlaceHoldAsync(_community.Id, account, 8, "v1", "test:shop", "h1", null)).Hold!;
        var other = (await _db.Ledger.PlaceHoldAsync(_community.Id, account, 2, "v2", "test:shop", "h2", null)).Hold!;
        Assert.That((await _db.Ledger.ReverseAsync(_community.Id, award.Seq, "录错了", "test:committee", "r1")).Succeeded, Is.True);

        await using (var work = new UnitOfWork(_db.Ledger))
        {
            await work.BeginAsync(_community.Id, default);
            var capture = await _db.Ledger.CaptureHoldAsync(work, _community.Id, refused.Id, "c1", "", "test:shop");
            var release = await _db.Ledger.ReleaseHoldAsync(work, _community.Id, other.Id, "test:shop");
            Assert.That(capture.Error, Is.EqualTo(LedgerError.InsufficientPoints));
            Assert.That(release.Error, Is.Null);
            await work.CommitAsync(default);
        }

        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held), Is.EqualTo((0L, 8L)), "hold 1 is still open and still holds its 8 points");
        await AssertIntact();
    }

    [Test]
    public async Task Hold_CaptureExplanation_FollowsTheStoredTextRule()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 30));
        var hold = (await _db.Ledger.PlaceHoldAsync(_community.Id, account, 10, "v1", "test:shop", "h1", null)).Hold!;

        var withNul = await _db.Ledger.CaptureHoldAsync(_community.Id, hold.Id, "c1", "肥皂\0 1 块", "test:shop");
        var withBidi = await _db.Ledger.CaptureHoldAsync(_community.Id, hold.Id, "c2", "肥皂\u202e块 1", "test:shop");

        Assert.That(withNul.Error, Is.EqualTo(LedgerError.InvalidEntry));
        Assert.That(withBidi.Error, Is.EqualTo(LedgerError.InvalidEntry));
        Assert.That((await _community.BalanceAsync(account)).Held, Is.EqualTo(10));
    }

    [Test]
    public async Task Hold_ExpiredCannotBeCaptured()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 30));
        var hold = (await _db.Ledger.PlaceHoldAsync(_community.Id, account, 10, "v1", "test:shop", "h1",
            _db.Clock.GetUtcNow().UtcDateTime.AddMinutes(30))).Hold!;
        _db.Clock.Advance(TimeSpan.FromMinutes(31));

        var capture = await _db.Ledger.CaptureHoldAsync(_community.Id, hold.Id, "c1", "", "test:shop");

        Assert.That(capture.Error, Is.EqualTo(LedgerError.HoldNotOpen));
        Assert.That(capture.Detail, Does.Contain("expired"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(30));
    }

    [Test]
    public async Task Hold_SameKeyReplays_AnotherPayloadConflicts()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 30));

        var first = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 10, "v1", "test:shop", "h1", null);
        var replay = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 10, "v1", "test:shop", "h1", null);
        var conflict = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 11, "v1", "test:shop", "h1", null);

        Assert.That(replay.Replayed, Is.True);
        Assert.That(replay.Hold!.Id, Is.EqualTo(first.Hold!.Id));
        Assert.That(conflict.Error, Is.EqualTo(LedgerError.IdempotencyConflict));
        Assert.That((await _community.BalanceAsync(account)).Held, Is.EqualTo(10));
    }

    [Test]
    public async Task Batch_WithOneBadEntry_PostsNothing()
    {
        var (a, _) = await _community.NewHouseholdAccountAsync();
        var (b, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(a, 1));

        var result = await _db.Ledger.PostBatchAsync([_community.Award(a, 5), _community.Award(b, 6), _community.Redeem(b, 100)]);

        Assert.That(result.Error, Is.EqualTo(LedgerError.InsufficientPoints));
        Assert.That(result.FailedIndex, Is.EqualTo(2));
        Assert.That((await _community.BalanceAsync(a)).Balance, Is.EqualTo(1));
        Assert.That((await _community.BalanceAsync(b)).Balance, Is.Zero);
        var next = await _community.PostAsync(_community.Award(a, 1));
        Assert.That(next.Seq, Is.EqualTo(2), "a failed batch must not consume sequence numbers");
        await AssertIntact();
    }

    [Test]
    public async Task Batch_PostsAllInOrder_AndReplaysAsAWhole()
    {
        var (a, _) = await _community.NewHouseholdAccountAsync();
        var entries = Enumerable.Range(1, 50).Select(i => _community.Award(a, i, key: $"b-{i}")).ToList();

        var first = await _db.Ledger.PostBatchAsync(entries);
        var again = await _db.Ledger.PostBatchAsync(entries);

        Assert.That(first.Transactions.Select(t => t.Seq), Is.EqualTo(Enumerable.Range(1, 50).Select(i => (long)i)));
        Assert.That(again.Transactions.Select(t => t.Hash), Is.EqualTo(first.Transactions.Select(t => t.Hash)));
        Assert.That((await _community.BalanceAsync(a)).Balance, Is.EqualTo(50 * 51 / 2));
        await AssertIntact();
    }

    [Test]
    public async Task Post_ToUnknownCommunity_IsRefused()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var entry = _community.Award(account, 1) with { CommunityId = 987_654 };

        var result = await _db.Ledger.PostAsync(entry);

        Assert.That(result.Error, Is.EqualTo(LedgerError.UnknownCommunity));
    }

    [Test]
    public async Task MonthlyAggregates_UseCommunityTimeZone_AndReversalsCountInTheOriginalMonth()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        // 2026-10-31 17:30 UTC is 2026-11-01 01:30 in Shanghai: a November entry.
        _db.Clock.Set(new DateTimeOffset(2026, 10, 31, 17, 30, 0, TimeSpan.Zero));
        var award = await _community.PostAsync(_community.Award(account, 10, member: member, category: Categories.Volunteer, minutes: 90));
        await _community.PostAsync(_community.Deduct(account, 3));
        _db.Clock.Set(new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero));
        await _db.Ledger.ReverseAsync(_community.Id, award.Seq, "活动未举办", "test:committee", "rev");

        var rows = await Aggregates(account);

        Assert.That(rows, Is.EquivalentTo(new[]
        {
            ($"{member}", Categories.Volunteer, "2026-11", 0L, 0L, 0L, 0L),
            ("0", Categories.Deduction, "2026-11", 0L, 3L, 0L, 0L),
        }));
        await AssertIntact();
    }

    [Test]
    public async Task MonthlyTotals_AreTheMonthsAggregatesSummedOverCategories_PerMember()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        _db.Clock.Set(new DateTimeOffset(2026, 11, 10, 2, 0, 0, TimeSpan.Zero));
        await _community.PostAsync(_community.Award(account, 10, member: member, category: Categories.Volunteer, minutes: 90));
        await _community.PostAsync(_community.Award(account, 7, member: member));
        var reversed = await _community.PostAsync(_community.Award(account, 4, member: member, category: Categories.Volunteer, minutes: 30));
        await _community.PostAsync(_community.Award(account, 5));
        await _community.PostAsync(_community.Deduct(account, 3));
        await _community.PostAsync(_community.Redeem(account, 6));
        // December: a new month's row; the reversal of a November award counts in November.
        _db.Clock.Set(new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero));
        await _community.PostAsync(_community.Award(account, 2, member: member));
        await _db.Ledger.ReverseAsync(_community.Id, reversed.Seq, "重复登记", "test:committee", "rev-total");

        var totals = await Totals(account);

        Assert.That(totals, Is.EquivalentTo(new[]
        {
            ($"{member}", "2026-11", 17L, 0L, 0L, 90L),
            ("0", "2026-11", 5L, 3L, 6L, 0L),
            ($"{member}", "2026-12", 2L, 0L, 0L, 0L),
        }));
        await AssertIntact();
    }

    private async Task<List<(string, string, long, long, long, long)>> Totals(long account)
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT member_id, month, earned, deducted, redeemed, volunteer_minutes FROM monthly_totals WHERE account_id = {account}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, long, long, long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Convert.ToString(reader.GetValue(0))!, reader.GetString(1).Trim(), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5)));
        }
        return rows;
    }

    private async Task<List<(string, string, string, long, long, long, long)>> Aggregates(long account)
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT member_id, category, month, earned, deducted, redeemed, volunteer_minutes FROM monthly_aggregates WHERE account_id = {account}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, long, long, long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Convert.ToString(reader.GetValue(0))!, reader.GetString(1), reader.GetString(2).Trim(), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
        }
        return rows;
    }
}

[TestFixture]
public sealed class SqliteLedgerBehaviourTests() : LedgerBehaviourTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerLedgerBehaviourTests() : LedgerBehaviourTests(DatabaseProvider.SqlServer);
