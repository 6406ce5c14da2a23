using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Policy;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Features.Policy;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Rankings;

/// <summary>
/// Issue 10's last items on the request side: a month is published only once it is over in the community's time zone
/// (the boundary with a fake clock), and the optional 红黑榜 — a policy switch, off by default — that adds the month's
/// deductions to the live ranking and to a published board, read live from the monthly aggregates.
/// </summary>
public abstract class MonthOverAndRedBlackTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _c = null!;

    /// <summary>23:59:59 on 30 November in Shanghai (UTC+8), the last second of November there.</summary>
    private static readonly DateTimeOffset LastSecondOfNovember = new(2026, 11, 30, 15, 59, 59, TimeSpan.Zero);

    /// <summary>00:00:00 on 1 December in Shanghai, the first second of December there.</summary>
    private static readonly DateTimeOffset FirstSecondOfDecember = new(2026, 11, 30, 16, 0, 0, TimeSpan.Zero);

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _c = await _db.NewCommunityAsync("person");
    }

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private Caller Committee => Acting.As(Role.Committee, _c.Id);

    private async Task<long> SnapshotsAsync() => Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM ranking_snapshots WHERE community_id = {_c.Id}"));

    /// <summary>A household with one resident on a person account (this community keeps points per person).</summary>
    private async Task<long> PersonAsync(string code, string name)
    {
        var household = (await _db.Mediator.Send(new AddHousehold(_c.Id, null, code))).Value!.HouseholdId;
        var resident = (await _db.Mediator.Send(new AddResident(_c.Id, household, name))).Value!.ResidentId;
        return (await _db.Mediator.Send(new OpenAccount(_c.Id, "person", resident))).Value!.AccountId;
    }

    private async Task SetRedBlackBoardAsync(bool on)
    {
        var policy = (await _db.Mediator.Send(new GetPolicy(_c.Id))).Value!;
        Assert.That((await _db.Mediator.Send((policy with { RedBlackBoard = on }).Replacing(_c.Id))).Failure, Is.Null);
    }

    [Test]
    public async Task AMonth_IsPublishedOnlyOnceItIsOverInTheCommunitysTimeZone()
    {
        var account = await PersonAsync("A-1", "张三明");
        await _c.PostAsync(_c.Award(account, 10));

        _db.Clock.Set(LastSecondOfNovember);
        var lastSecond = await _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-11"));
        var future = await _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-12"));
        var snapshotsWhileRunning = await SnapshotsAsync();
        _db.Clock.Set(FirstSecondOfDecember);
        var firstSecond = await _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-11"));
        var december = await _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-12"));

        Assert.That(lastSecond.Failure?.Code, Is.EqualTo("month_not_over"), "23:59:59 on the 30th in Shanghai: November is still running");
        Assert.That(future.Failure?.Code, Is.EqualTo("month_not_over"));
        Assert.That(snapshotsWhileRunning, Is.Zero, "a refused publish stores nothing");
        Assert.That(firstSecond.Failure, Is.Null, firstSecond.Failure?.Detail);
        Assert.That((firstSecond.Value!.Month, firstSecond.Value.Revision, firstSecond.Value.Rows), Is.EqualTo(("2026-11", 1, 1)));
        Assert.That(december.Failure?.Code, Is.EqualTo("month_not_over"), "and December has only begun");
        Assert.That(await SnapshotsAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task AMonth_IsOverByTheCommunitysOwnClock_NotUtc()
    {
        // Ürümqi is UTC+6: at 16:00 UTC on 30 November it is 22:00 there, November is not over yet, though it is in Shanghai.
        var west = await _db.NewCommunityAsync(timeZone: "Asia/Urumqi");
        var (account, _) = await west.NewHouseholdAccountAsync();
        await west.PostAsync(west.Award(account, 10));
        _db.Clock.Set(FirstSecondOfDecember);

        var refused = await _db.SendAs(Acting.As(Role.Committee, west.Id), new PublishRanking(west.Id, "2026-11"));
        _db.Clock.Set(new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero));
        var allowed = await _db.SendAs(Acting.As(Role.Committee, west.Id), new PublishRanking(west.Id, "2026-11"));

        Assert.That(refused.Failure?.Code, Is.EqualTo("month_not_over"));
        Assert.That(allowed.Failure, Is.Null, allowed.Failure?.Detail);
    }

    [Test]
    public async Task TheRedBlackBoard_IsOffByDefault_AndThenNoDeductionsAreListed()
    {
        var account = await PersonAsync("A-1", "张三明");
        await _c.PostAsync(_c.Award(account, 10));
        await _c.PostAsync(_c.Deduct(account, 4));
        _db.Clock.Set(FirstSecondOfDecember);
        Assert.That((await _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-11"))).Failure, Is.Null);

        var policy = (await _db.Mediator.Send(new GetPolicy(_c.Id))).Value!;
        var live = (await _db.SendAs(Committee, new GetRanking(_c.Id, "2026-11"))).Value!;
        var board = (await _db.Mediator.Send(new GetRankingRevision(_c.Id, "2026-11"))).Value!;

        Assert.That(policy.RedBlackBoard, Is.False);
        Assert.That(live.Rows.Single().Deducted, Is.EqualTo(4), "the ranking itself still counts the deduction");
        Assert.That(live.Deductions, Is.Null);
        Assert.That(board.Deductions, Is.Null);
    }

    [Test]
    public async Task TheRedBlackBoard_WhenOn_ListsWhoHadPointsDeducted_MostFirst_MaskedNames_OnTheLiveRankingAndThePublishedBoard()
    {
        var a = await PersonAsync("A-1", "张三明");
        var b = await PersonAsync("B-2", "李四光");
        var c = await PersonAsync("C-3", "王五");
        var d = await PersonAsync("D-4", "赵六");
        await _c.PostAsync(_c.Award(a, 30));
        await _c.PostAsync(_c.Award(b, 20));
        await _c.PostAsync(_c.Deduct(b, 5));
        await _c.PostAsync(_c.Award(c, 20));
        await _c.PostAsync(_c.Deduct(c, 12));
        await _c.PostAsync(_c.Award(d, 20));
        var reversed = await _c.PostAsync(_c.Deduct(d, 7));
        Assert.That((await _db.Ledger.ReverseAsync(_c.Id, reversed.Seq, "扣错了", "test:committee", "undo-d")).Error, Is.Null);
        _db.Clock.Set(FirstSecondOfDecember);
        Assert.That((await _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-11"))).Failure, Is.Null);

        await SetRedBlackBoardAsync(true);
        var live = (await _db.SendAs(Committee, new GetRanking(_c.Id, "2026-11"))).Value!;
        var liveOfOneCategory = (await _db.SendAs(Committee, new GetRanking(_c.Id, "2026-11", Category: "good_deed"))).Value!;
        var board = (await _db.Mediator.Send(new GetRankingRevision(_c.Id, "2026-11"))).Value!;
        await SetRedBlackBoardAsync(false);
        var off = (await _db.Mediator.Send(new GetRankingRevision(_c.Id, "2026-11"))).Value!;

        var expected = new[] { ("C-3", "王*", 12L), ("B-2", "李*光", 5L) };
        Assert.That(live.Deductions!.Select(r => (r.HouseholdCode, r.MaskedName, r.Deducted)), Is.EqualTo(expected),
            "most deducted first; a reversed deduction is no deduction; names masked");
        Assert.That(liveOfOneCategory.Deductions!.Select(r => (r.HouseholdCode, r.MaskedName, r.Deducted)), Is.EqualTo(expected),
            "the list counts every category whatever the ranking is filtered by");
        Assert.That(board.Deductions!.Select(r => (r.HouseholdCode, r.MaskedName, r.Deducted)), Is.EqualTo(expected));
        Assert.That(off.Deductions, Is.Null, "switched off again: nothing of it");
        Assert.That(off.SnapshotHash, Is.EqualTo(board.SnapshotHash), "the switch does not touch the published snapshot");
    }
}

[TestFixture]
public sealed class SqliteMonthOverAndRedBlackTests() : MonthOverAndRedBlackTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerMonthOverAndRedBlackTests() : MonthOverAndRedBlackTests(DatabaseProvider.SqlServer);
