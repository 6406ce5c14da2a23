using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Holds;
using PointsBank.Features.Points;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Data;

/// <summary>
/// A request that posts through the ledger inside the pipeline's unit of work and then fails on a write of its own
/// (a row that breaks a constraint). Registered by these tests only.
/// </summary>
[Allow(Role.Committee)]
public sealed record PostThenWrite(long CommunityId, long AccountId, bool FailAfterPosting, bool RefuseAfterPosting = false)
    : IRequest<Outcome<long>>, ICommunityScoped;

public sealed class PostThenWriteHandler(UnitOfWork work, PointsLedger ledger) : IRequestHandler<PostThenWrite, Outcome<long>>
{
    public async Task<Outcome<long>> Handle(PostThenWrite request, CancellationToken ct)
    {
        var issuance = (await ledger.SystemAccountIdAsync(request.CommunityId, SystemAccount.Issuance, ct))!.Value;
        var posted = await ledger.PostAsync(work, new LedgerEntry(request.CommunityId, TransactionKind.Award, Categories.GoodDeed,
            LedgerKeys.Derived("post-then-write", request.AccountId), "好人好事", "test", [new(issuance, -7), new(request.AccountId, 7)]), ct);
        Assert.That(posted.Succeeded, Is.True, posted.Detail);
        // The feature's own row: a grid with no name breaks NOT NULL when asked to fail.
        await work.ExecuteAsync("INSERT INTO grids (community_id, name, is_active, created_at) VALUES (@communityId, @name, 1, @now)",
            new { communityId = request.CommunityId, name = request.FailAfterPosting ? null : $"g-{Guid.NewGuid():N}", now = work.Now }, ct);
        if (request.RefuseAfterPosting)
        {
            return new Failure("changed_its_mind", "the handler refuses after posting");
        }
        return posted.Transaction!.Seq;
    }
}

/// <summary>
/// A request whose handler sends another request from inside its unit of work (which joins it): here an award that
/// the ledger refuses, after which the outer handler carries on. Registered by these tests only.
/// </summary>
[Allow(Role.Committee)]
public sealed record SendsARefusedAward(long CommunityId, long AccountId) : IRequest<Outcome<string>>, ICommunityScoped;

public sealed class SendsARefusedAwardHandler(IMediator mediator) : IRequestHandler<SendsARefusedAward, Outcome<string>>
{
    public async Task<Outcome<string>> Handle(SendsARefusedAward request, CancellationToken ct)
    {
        var inner = await mediator.Send(new AwardPoints(request.CommunityId, request.AccountId, null, null, null, null,
            $"nested-{Guid.NewGuid():N}", RuleCode: "public_labour"), ct);
        return inner.Failure?.Code ?? "posted";
    }
}

/// <summary>One unit of work per write request (DESIGN §2), effective dates (§3), holds released by the job (§11).</summary>
public abstract class UnitOfWorkTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider, services =>
            services.AddTransient<IRequestHandler<PostThenWrite, Outcome<long>>, PostThenWriteHandler>()
                .AddTransient<IRequestHandler<SendsARefusedAward, Outcome<string>>, SendsARefusedAwardHandler>());
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

    private async Task<long> CountAsync(string sql) =>
        Convert.ToInt64(await _db.ScalarRawAsync(sql.Replace("@c", _community.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private async Task<T> AsCommitteeAsync<T>(IRequest<T> request)
    {
        await using var scope = _db.Services.CreateAsyncScope();
        var user = await _db.Mediator.Send(new AddCommunityUser(_community.Id, $"c{Guid.NewGuid():N}"[..20], "两委", "committee-pass-2026", "committee"));
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current =
            Caller.User(user.Value!.UserId, "test-committee", [new RoleGrant(_community.Id, Role.Committee)]);
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    [Test]
    public async Task HandlerThatPostsThenFailsOnItsOwnWrite_LeavesNoTransaction_NoBalance_NoSuccessAuditRow()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();

        Assert.ThrowsAsync(Is.InstanceOf<System.Data.Common.DbException>(),
            () => AsCommitteeAsync(new PostThenWrite(_community.Id, account, FailAfterPosting: true)));

        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c"), Is.EqualTo(0));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT last_seq FROM chain_heads WHERE community_id = @c"), Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = 'ok'"),
            Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = 'error'"),
            Is.EqualTo(1));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task HandlerThatPostsThenReturnsARefusal_LeavesNothing_ButTheRefusalsAuditRow()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();

        var outcome = await AsCommitteeAsync(new PostThenWrite(_community.Id, account, FailAfterPosting: false, RefuseAfterPosting: true));

        Assert.That(outcome.Failure?.Code, Is.EqualTo("changed_its_mind"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c"), Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM grids WHERE community_id = @c"), Is.EqualTo(0));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = 'ok'"),
            Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = 'failed:changed_its_mind'"),
            Is.EqualTo(1));
    }

    [Test]
    public async Task HandlerThatPostsAndWritesItsRow_CommitsTransaction_Balance_Row_AndAuditRowTogether()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();

        var outcome = await AsCommitteeAsync(new PostThenWrite(_community.Id, account, FailAfterPosting: false));

        Assert.That(outcome.Value, Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c"), Is.EqualTo(1));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(7));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM grids WHERE community_id = @c"), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'PostThenWrite' AND outcome = 'ok'"),
            Is.EqualTo(1));
    }

    [Test]
    public async Task ARequestSentFromInsideAUnit_ThatIsRefused_DoesNotWriteOnAnotherConnection()
    {
        // The inner award joins the open unit; its refusal must not be recorded on a second connection, which on SQLite
        // waits for the unit's own write lock (the busy timeout, 30 s) and then fails the whole request.
        var started = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await AsCommitteeAsync(new SendsARefusedAward(_community.Id, AccountId: 987_654));

        Assert.That(outcome.Failure, Is.Null, outcome.Failure?.Detail);
        Assert.That(outcome.Value, Is.EqualTo("account_not_found"));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'SendsARefusedAward' AND outcome = 'ok'"),
            Is.EqualTo(1));
    }

    [Test]
    public async Task ReplayAfterTheHouseholdWasDeactivated_ReturnsTheOriginal()
    {
        var (account, household) = await NewHouseholdAsync();
        var award = new AwardPoints(_community.Id, account, null, null, null, null, "replay-after-deactivation",
            RuleCode: await TestRules.AwardAsync(_db.Services, _community.Id, 5));
        var first = await AsCommitteeAsync(award);
        Assert.That(first.Failure, Is.Null);
        Assert.That((await _db.Mediator.Send(new DeactivateHousehold(_community.Id, household))).Failure, Is.Null);

        var again = await AsCommitteeAsync(award);
        var fresh = await AsCommitteeAsync(award with { IdempotencyKey = "a-new-key" });

        Assert.That(again.Failure, Is.Null, again.Failure?.Code);
        Assert.That(again.Value!.Replayed, Is.True);
        Assert.That(again.Value.Transaction!.Seq, Is.EqualTo(first.Value!.Transaction!.Seq));
        Assert.That(fresh.Failure?.Code, Is.EqualTo("account_inactive"));
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(5));
    }

    [Test]
    public async Task ReplayInTheLedger_ComesBeforeTheAccountChecks()
    {
        var (account, household) = await NewHouseholdAsync();
        var entry = _community.Award(account, 5, key: "ledger-replay");
        var first = await _community.PostAsync(entry);
        Assert.That((await _db.Mediator.Send(new DeactivateHousehold(_community.Id, household))).Failure, Is.Null);

        var again = await _db.Ledger.PostAsync(entry);
        var other = await _db.Ledger.PostAsync(entry with { IdempotencyKey = "ledger-replay-2" });

        Assert.That(again.Replayed, Is.True);
        Assert.That(again.Transaction!.Seq, Is.EqualTo(first.Seq));
        Assert.That(other.Error, Is.EqualTo(LedgerError.AccountInactive));
    }

    [Test]
    public async Task OneKey_ForReversalsOfTwoTransactions_IsAConflict_NotAReplayOfTheFirst()
    {
        // The transaction a reversal undoes comes from the route ([JsonIgnore] on the request): it is part of what was asked.
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var first = await _community.PostAsync(_community.Award(account, 5));
        var second = await _community.PostAsync(_community.Award(account, 6));

        var reversed = await AsCommitteeAsync(new ReverseTransaction(_community.Id, first.Seq, "录错了", "reverse-once"));
        var other = await AsCommitteeAsync(new ReverseTransaction(_community.Id, second.Seq, "录错了", "reverse-once"));

        Assert.That(reversed.Failure, Is.Null, reversed.Failure?.Detail);
        Assert.That(other.Failure?.Code, Is.EqualTo("idempotency_conflict"),
            $"answered a reversal of seq {other.Value?.Transaction!.ReversesSeq} for a request to reverse seq {second.Seq}");
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(6));
    }

    [Test]
    public async Task AClientKeyEqualToADerivedKey_DoesNotCollideWithIt()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        var derived = LedgerKeys.Derived("claim", 42);
        await _community.PostAsync(_community.Award(account, 3, key: derived));

        var client = await AsCommitteeAsync(new AwardPoints(_community.Id, account, null, null, null, null, derived, RuleCode: "public_labour"));

        Assert.That(client.Failure, Is.Null, client.Failure?.Detail);
        Assert.That(client.Value!.Replayed, Is.False);
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(3 + 5), "the derived award and 参加义务劳动 (+5)");
        Assert.Throws<ArgumentException>(() => LedgerKeys.Derived(LedgerKeys.ClientPrefix + "claim", 42));
    }

    [Test]
    public async Task AHoldAndAPosting_CannotShareAKey()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 20, key: "posted-first"));
        var hold = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 5, "voucher", "test", "held-first", null);
        Assert.That(hold.Succeeded, Is.True);

        var holdOnPostingKey = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 5, "voucher", "test", "posted-first", null);
        var postOnHoldKey = await _db.Ledger.PostAsync(_community.Award(account, 1, key: "held-first"));

        Assert.That(holdOnPostingKey.Error, Is.EqualTo(LedgerError.IdempotencyConflict));
        Assert.That(postOnHoldKey.Error, Is.EqualTo(LedgerError.IdempotencyConflict));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held), Is.EqualTo((20L, 5L)));
    }

    [Test]
    public async Task AnAwardEffectiveOn30November_PostedOn2December_CountsForNovember()
    {
        var (account, member) = await _community.NewHouseholdAccountAsync();
        _db.Clock.Set(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero)); // 09:00 on 2 December in Shanghai

        var posted = await _community.PostAsync(_community.Award(account, 10, member: member) with { EffectiveDate = new DateOnly(2026, 11, 30) });
        await _community.PostAsync(_community.Award(account, 4, member: member));

        Assert.That(posted.EffectiveDate, Is.EqualTo(new DateOnly(2026, 11, 30)));
        Assert.That(await CountAsync($"SELECT SUM(earned) FROM monthly_aggregates WHERE community_id = @c AND account_id = {account} AND month = '2026-11'"),
            Is.EqualTo(10));
        Assert.That(await CountAsync($"SELECT SUM(earned) FROM monthly_aggregates WHERE community_id = @c AND account_id = {account} AND month = '2026-12'"),
            Is.EqualTo(4));
        var reversed = await _db.Ledger.ReverseAsync(_community.Id, posted.Seq, "录错了", "test", "reverse-november");
        Assert.That(reversed.Transaction!.EffectiveDate, Is.EqualTo(new DateOnly(2026, 11, 30)));
        Assert.That(await CountAsync($"SELECT SUM(earned) FROM monthly_aggregates WHERE community_id = @c AND account_id = {account} AND month = '2026-11'"),
            Is.EqualTo(0));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [TestCase(1, LedgerError.EffectiveDateInFuture, "effective_date_in_future")]
    [TestCase(-61, LedgerError.EffectiveDateTooOld, "effective_date_too_old")]
    public async Task AnEffectiveDateInTheFutureOrBeyondTheLimit_IsRefusedWithItsOwnCode(int days, LedgerError error, string code)
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        _db.Clock.Set(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero));
        var today = new DateOnly(2026, 12, 2);

        var refused = await _db.Ledger.PostAsync(_community.Award(account, 5) with { EffectiveDate = today.AddDays(days) });
        var http = await AsCommitteeAsync(new AwardPoints(_community.Id, account, null, null, null, null, $"date-{days}",
            today.AddDays(days), "public_labour"));
        var limit = await _db.Ledger.PostAsync(_community.Award(account, 5) with { EffectiveDate = today.AddDays(-60) });

        Assert.That(refused.Error, Is.EqualTo(error));
        Assert.That(http.Failure?.Code, Is.EqualTo(code));
        Assert.That(limit.Succeeded, Is.True, "60 days back is the default limit itself");
        Assert.That((await _community.BalanceAsync(account)).Balance, Is.EqualTo(5));
    }

    [Test]
    public async Task AnExpiredHold_IsReleasedByTheJob_AndTheAvailableBalanceComesBack()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 30));
        var expires = _db.Clock.GetUtcNow().UtcDateTime.AddMinutes(15);
        var hold = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 12, "voucher-1", "test", "hold-1", Clock.Truncate(expires));
        var unexpired = await _db.Ledger.PlaceHoldAsync(_community.Id, account, 3, "voucher-2", "test", "hold-2", Clock.Truncate(expires.AddHours(1)));
        var job = _db.Services.GetServices<IJob>().Single(j => j.Name == "release-expired-holds");

        Assert.That(await JobRegistry.RunOnceAsync(_db.Services, job, default), Is.EqualTo(0), "nothing has expired yet");
        _db.Clock.Advance(TimeSpan.FromMinutes(16));
        var released = await JobRegistry.RunOnceAsync(_db.Services, job, default);

        Assert.That(released, Is.EqualTo(1));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held, balance.Available), Is.EqualTo((30L, 3L, 27L)));
        Assert.That(await CountAsync($"SELECT COUNT(*) FROM holds WHERE id = {hold.Hold!.Id} AND status = 'released' AND closed_by = 'job:release-expired-holds'"),
            Is.EqualTo(1));
        Assert.That(await CountAsync($"SELECT COUNT(*) FROM holds WHERE id = {unexpired.Hold!.Id} AND status = 'open'"), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND action = 'ReleaseExpiredHolds' AND actor = 'job:release-expired-holds'"),
            Is.EqualTo(1));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    [Test]
    public async Task TwoJobRunnersAtOnce_ReleaseAnExpiredHoldOnce()
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        await _community.PostAsync(_community.Award(account, 50));
        var expires = Clock.Truncate(_db.Clock.GetUtcNow().UtcDateTime.AddMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            Assert.That((await _db.Ledger.PlaceHoldAsync(_community.Id, account, 5, $"voucher-{i}", "test", $"hold-{i}", expires)).Succeeded);
        }
        _db.Clock.Advance(TimeSpan.FromMinutes(2));
        var job = _db.Services.GetServices<IJob>().Single(j => j.Name == "release-expired-holds");

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => JobRegistry.RunOnceAsync(_db.Services, job, default))));

        Assert.That(runs.Sum(), Is.EqualTo(10));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Held, balance.Available), Is.EqualTo((0L, 50L)));
        Assert.That((await _db.VerifyOwnAsync()).FirstBreak, Is.Null);
    }

    private async Task<(long Account, long Household)> NewHouseholdAsync()
    {
        var household = await _db.Mediator.Send(new AddHousehold(_community.Id, null, $"h-{Guid.NewGuid():N}"[..20]));
        var account = await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(_community.Id, "household", household.Value!.HouseholdId));
        return (account.Value!.AccountId, household.Value.HouseholdId);
    }
}

[TestFixture]
public sealed class SqliteUnitOfWorkTests() : UnitOfWorkTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerUnitOfWorkTests() : UnitOfWorkTests(DatabaseProvider.SqlServer);
