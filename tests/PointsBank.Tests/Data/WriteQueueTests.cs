using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Rankings;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Data;

/// <summary>
/// The write queue with group commit on SQLite (issue 12): units queued behind the writer run in one database
/// transaction — the one that opens it in the transaction itself, each later one in its savepoint; one that fails is
/// undone alone and answered alone, the others commit together.
/// The groups are forced by holding the writer's turn (<see cref="WriteQueue.HoldAsync"/>) while the units queue up.
/// </summary>
[TestFixture]
public sealed class WriteQueueTests
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;
    private WriteQueue _queue = null!;

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, services =>
            services.AddTransient<IRequestHandler<PostThenWrite, Outcome<long>>, PostThenWriteHandler>());
        _community = await _db.NewCommunityAsync();
        _queue = _db.Ledger.Queue!;
    }

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private long Commits => ((SqliteDataSource)_db.Db).Commits;

    private async Task<long> CountAsync(string sql) =>
        Convert.ToInt64(await _db.ScalarRawAsync(sql.Replace("@c", _community.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    // A committee member's mediator, made before the writer is held (making the user is itself a write).
    private async Task<IMediator> CommitteeAsync()
    {
        var user = await _db.Mediator.Send(new AddCommunityUser(_community.Id, $"c{Guid.NewGuid():N}"[..20], "两委", "committee-pass-2026", "committee"));
        var scope = _db.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current =
            Caller.User(user.Value!.UserId, "test-committee", [new RoleGrant(_community.Id, Role.Committee)]);
        return scope.ServiceProvider.GetRequiredService<IMediator>();
    }

    [TestCase(true, TestName = "AUnitThatThrowsInsideAGroup_IsUndoneAlone_TheOthersCommitOnce")]
    [TestCase(false, TestName = "AUnitThatIsRefusedAfterPostingInsideAGroup_IsUndoneAlone_TheOthersCommitOnce")]
    public async Task AUnitThatFailsInsideAGroup_IsUndoneAlone(bool throws)
    {
        var (first, _) = await _community.NewHouseholdAccountAsync();
        var (middle, _) = await _community.NewHouseholdAccountAsync();
        var (last, _) = await _community.NewHouseholdAccountAsync();
        var committee = await CommitteeAsync();
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var hold = await _queue.HoldAsync();
        var commitsBefore = Commits;

        var a = Task.Run(() => _db.Ledger.PostAsync(_community.Award(first, 5, key: "group-a")));
        await UntilWaiting(1, a);
        // The middle unit posts 7 points (a transaction row, seq 2 for now, balances in memory) and then fails.
        var b = Task.Run(() => committee.Send(new PostThenWrite(_community.Id, middle, FailAfterPosting: throws, RefuseAfterPosting: !throws)));
        await UntilWaiting(2, b);
        var c = Task.Run(() => _db.Ledger.PostAsync(_community.Award(last, 9, key: "group-c")));
        await UntilWaiting(3, c);
        await hold.DisposeAsync();

        var postedA = await a;
        var postedC = await c;
        if (throws)
        {
            Assert.ThrowsAsync(Is.InstanceOf<System.Data.Common.DbException>(), () => b);
        }
        else
        {
            Assert.That((await b).Failure?.Code, Is.EqualTo("changed_its_mind"));
        }

        Assert.That(postedA.Succeeded && postedC.Succeeded, Is.True, postedA.Detail + postedC.Detail);
        // The failed unit's seq 2 went with its savepoint: the next unit of the group took it, the chain is unbroken.
        Assert.That(postedA.Transaction!.Seq, Is.EqualTo(1));
        Assert.That(postedC.Transaction!.Seq, Is.EqualTo(2));
        Assert.That(postedC.Transaction.PrevHash, Is.EqualTo(postedA.Transaction.Hash));
        Assert.That((await _community.BalanceAsync(first)).Balance, Is.EqualTo(5));
        Assert.That((await _community.BalanceAsync(middle)).Balance, Is.Zero);
        Assert.That((await _community.BalanceAsync(last)).Balance, Is.EqualTo(9));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c"), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM grids WHERE community_id = @c"), Is.Zero, "the failed unit's own row is gone too");
        Assert.That(await CountAsync("SELECT last_seq FROM chain_heads WHERE community_id = @c"), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = 'ok'"), Is.Zero);
        Assert.That(await CountAsync(
                $"SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = '{(throws ? "error" : "failed:changed_its_mind")}'"),
            Is.EqualTo(1), "the failed unit gets its own answer and its own audit row");
        // Three units and the failure's audit row: without groups, three commits (a, c, the audit row); the two
        // awards shared one, the audit row joined it or came after.
        Assert.That(Commits - commitsBefore, Is.InRange(1, 2));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    // The unit that opens a group runs in the transaction itself, without a savepoint (a savepoint journals every page
    // the unit changes): when it fails, undoing it is undoing the transaction, and the units queued behind it must then
    // open a new group of their own and commit as if it had never been.
    [TestCase(true, TestName = "TheUnitThatOpensAGroup_Throws_IsUndone_AndTheUnitsBehindItCommitInANewGroup")]
    [TestCase(false, TestName = "TheUnitThatOpensAGroup_IsRefusedAfterPosting_IsUndone_AndTheUnitsBehindItCommitInANewGroup")]
    public async Task TheUnitThatOpensAGroup_FailsAlone(bool throws)
    {
        var (opener, _) = await _community.NewHouseholdAccountAsync();
        var (second, _) = await _community.NewHouseholdAccountAsync();
        var (third, _) = await _community.NewHouseholdAccountAsync();
        var committee = await CommitteeAsync();
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var hold = await _queue.HoldAsync();
        var groupsBefore = _queue.Groups;

        // First in line after the hold, so it opens the group: it posts 7 points and writes a grid row, then fails.
        var a = Task.Run(() => committee.Send(new PostThenWrite(_community.Id, opener, FailAfterPosting: throws, RefuseAfterPosting: !throws)));
        await UntilWaiting(1, a);
        var b = Task.Run(() => _db.Ledger.PostAsync(_community.Award(second, 5, key: "behind-b")));
        await UntilWaiting(2, b);
        var c = Task.Run(() => _db.Ledger.PostAsync(_community.Award(third, 9, key: "behind-c")));
        await UntilWaiting(3, c);
        await hold.DisposeAsync();

        if (throws)
        {
            Assert.ThrowsAsync(Is.InstanceOf<System.Data.Common.DbException>(), () => a);
        }
        else
        {
            Assert.That((await a).Failure?.Code, Is.EqualTo("changed_its_mind"));
        }
        var postedB = await b;
        var postedC = await c;

        Assert.That(postedB.Succeeded && postedC.Succeeded, Is.True, postedB.Detail + postedC.Detail);
        // The opener's seq 1 went with its transaction; the units behind it took seq 1 and 2, the chain unbroken.
        Assert.That((postedB.Transaction!.Seq, postedC.Transaction!.Seq), Is.EqualTo((1L, 2L)));
        Assert.That(postedC.Transaction.PrevHash, Is.EqualTo(postedB.Transaction.Hash));
        Assert.That((await _community.BalanceAsync(opener)).Balance, Is.Zero);
        Assert.That((await _community.BalanceAsync(second)).Balance, Is.EqualTo(5));
        Assert.That((await _community.BalanceAsync(third)).Balance, Is.EqualTo(9));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c"), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM grids WHERE community_id = @c"), Is.Zero, "the opener's own row is gone too");
        Assert.That(await CountAsync("SELECT last_seq FROM chain_heads WHERE community_id = @c"), Is.EqualTo(2));
        Assert.That(await CountAsync(
                $"SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = '{(throws ? "error" : "failed:changed_its_mind")}'"),
            Is.EqualTo(1), "the failed opener gets its own answer and its own audit row");
        Assert.That(_queue.Groups - groupsBefore, Is.InRange(1, 2), "the opener's transaction was rolled back, not committed");
        Assert.That(_queue.Waiting, Is.Zero);
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task QueuedUnits_CommitTogether_AndNoneIsAnsweredBeforeTheCommit()
    {
        var accounts = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            accounts.Add((await _community.NewHouseholdAccountAsync()).AccountId);
        }
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var hold = await _queue.HoldAsync();
        var commitsBefore = Commits;
        var groupsBefore = _queue.Groups;

        var tasks = new List<Task<LedgerResult>>();
        foreach (var account in accounts)
        {
            var k = tasks.Count;
            tasks.Add(Task.Run(() => _db.Ledger.PostAsync(_community.Award(account, 3, key: $"together-{k}"))));
            await UntilWaiting(tasks.Count, tasks[^1]);
        }
        Assert.That(tasks.Any(t => t.IsCompleted), Is.False);
        await hold.DisposeAsync();
        var results = await Task.WhenAll(tasks);

        Assert.That(results.Select(r => r.Transaction!.Seq), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }), "in the order they queued");
        Assert.That(Commits - commitsBefore, Is.EqualTo(1), "five units, one commit");
        Assert.That(_queue.Groups - groupsBefore, Is.EqualTo(1));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task ALedgerBatch_DoesNotJoinTheOpenGroup_TheGroupCommitsFirstAndTheBatchOpensItsOwn()
    {
        var (first, _) = await _community.NewHouseholdAccountAsync();
        var (second, _) = await _community.NewHouseholdAccountAsync();
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var hold = await _queue.HoldAsync();
        var commitsBefore = Commits;
        var groupsBefore = _queue.Groups;

        var a = Task.Run(() => _db.Ledger.PostAsync(_community.Award(first, 1, key: "before-batch-a")));
        await UntilWaiting(1, a);
        var b = Task.Run(() => _db.Ledger.PostAsync(_community.Award(second, 2, key: "before-batch-b")));
        await UntilWaiting(2, b);
        var batch = Task.Run(() => _db.Ledger.PostBatchAsync(
            [.. Enumerable.Range(0, 3).Select(i => _community.Award(i % 2 == 0 ? first : second, 10, key: $"batch-{i}"))]));
        await UntilWaiting(3, batch);
        var after = Task.Run(() => _db.Ledger.PostAsync(_community.Award(first, 100, key: "after-batch")));
        await UntilWaiting(4, after);
        await hold.DisposeAsync();

        var (postedA, postedB, batched, postedAfter) = (await a, await b, await batch, await after);
        Assert.That(postedA.Succeeded && postedB.Succeeded && batched.Succeeded && postedAfter.Succeeded, Is.True);
        // Without the rule all four units would share one commit; the two awards queued before the batch commit as
        // one group before it, and the award behind the batch joins the group the batch opened.
        Assert.That(Commits - commitsBefore, Is.EqualTo(2), "two awards; then the batch and the award behind it");
        Assert.That(_queue.Groups - groupsBefore, Is.EqualTo(2));
        Assert.That(batched.Transactions.Select(t => t.Seq), Is.EqualTo(new long[] { 3, 4, 5 }), "in the order they queued");
        Assert.That(postedAfter.Transaction!.Seq, Is.EqualTo(6));
        Assert.That((await _community.BalanceAsync(first)).Balance, Is.EqualTo(1 + 10 + 10 + 100));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task ABulkRequest_DoesNotJoinTheOpenGroup_InThePipeline()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var committee = await CommitteeAsync();
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var hold = await _queue.HoldAsync();
        var groupsBefore = _queue.Groups;

        var award = Task.Run(() => _db.Ledger.PostAsync(_community.Award(account, 5, key: "before-publish")));
        await UntilWaiting(1, award);
        // Publishing a ranking writes a row per ranked account: a bulk write (IBulkWrite).
        var publish = Task.Run(() => committee.Send(new PublishRanking(_community.Id, _db.Clock.GetUtcNow().AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture))));
        await UntilWaiting(2, publish);
        await hold.DisposeAsync();

        Assert.That((await award).Succeeded, Is.True);
        Assert.That((await publish).Succeeded, Is.True, (await publish).Failure?.Detail);
        Assert.That(_queue.Groups - groupsBefore, Is.EqualTo(2), "the award's group committed before the ranking's unit began");
    }

    [Test]
    public async Task AGroupIsBoundedByCount()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        _queue.MaxUnits = 2;
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var hold = await _queue.HoldAsync();
        var commitsBefore = Commits;

        var tasks = new List<Task<LedgerResult>>();
        for (var i = 0; i < 5; i++)
        {
            var k = i;
            tasks.Add(Task.Run(() => _db.Ledger.PostAsync(_community.Award(account, 1, key: $"bounded-{k}"))));
            await UntilWaiting(tasks.Count, tasks[^1]);
        }
        await hold.DisposeAsync();
        await Task.WhenAll(tasks);

        Assert.That(Commits - commitsBefore, Is.EqualTo(3), "groups of 2, 2 and 1");
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(5));
    }

    [Test]
    public async Task ALoneUnit_CommitsAtOnce_WithoutWaitingForOthers()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        _queue.MaxAge = TimeSpan.FromMinutes(1);
        var commitsBefore = Commits;

        // No timer involved: a lone unit finds nobody waiting when it ends, so it commits right away.
        var posted = await _db.Ledger.PostAsync(_community.Award(account, 4, key: "lone"));

        Assert.That(posted.Succeeded, Is.True);
        Assert.That(Commits - commitsBefore, Is.EqualTo(1));
        Assert.That(_queue.Waiting, Is.Zero);
    }

    [Test]
    public async Task AUnitCancelledWhileWaiting_LeavesTheQueue_AndTheOthersRun()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var hold = await _queue.HoldAsync();
        using var cancel = new CancellationTokenSource();

        var cancelled = Task.Run(() => _db.Ledger.PostAsync(_community.Award(account, 1, key: "cancelled"), cancel.Token));
        await UntilWaiting(1, cancelled);
        var kept = Task.Run(() => _db.Ledger.PostAsync(_community.Award(account, 2, key: "kept")));
        await UntilWaiting(2, kept);
        await cancel.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(() => cancelled);
        await hold.DisposeAsync();

        Assert.That((await kept).Succeeded, Is.True);
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(2));
        Assert.That(_queue.Waiting, Is.Zero);
    }

    [Test]
    public async Task PooledConnections_KeepTheirPragmas_ThoughTheyAreSetOncePerPhysicalConnection()
    {
        for (var i = 0; i < 5; i++)
        {
            await using var connection = await _db.Db.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT synchronous FROM pragma_synchronous), (SELECT foreign_keys FROM pragma_foreign_keys), " +
                "(SELECT timeout FROM pragma_busy_timeout), (SELECT temp_store FROM pragma_temp_store)";
            await using var reader = await command.ExecuteReaderAsync();
            Assert.That(await reader.ReadAsync(), Is.True);
            Assert.That((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)), Is.EqualTo((2L, 1L, 30000L, 2L)),
                $"open {i + 1}: FULL, foreign keys, busy timeout, a savepoint's sub-journal in memory");
        }
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var before = Commits;
        await _community.PostAsync(_community.Award(account, 1));
        Assert.That(Commits - before, Is.EqualTo(1), "the commit hook stays on a reused connection");
    }

    // Waits (by yielding, no clock) until the queue holds this many units, failing if the unit finished instead.
    private async Task UntilWaiting<T>(int count, Task<T> unit)
    {
        while (_queue.Waiting < count && !unit.IsCompleted)
        {
            await Task.Delay(1);
        }
        Assert.That(unit.IsCompleted, Is.False, () => $"the unit waits for the held writer: {(unit.IsFaulted ? unit.Exception : unit.Result)}");
    }
}
