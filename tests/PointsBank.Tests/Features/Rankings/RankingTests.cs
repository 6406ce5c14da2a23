using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Rankings;

/// <summary>
/// The live ranking (issue 10 item 1), read from the monthly aggregates: ties, deductions, redemptions and transfers that
/// do not count, reversals within and across months, the effective-month boundary in Asia/Shanghai, household vs person,
/// grid filter, category — on every engine.
/// </summary>
public abstract class RankingTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _c = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _c = await _db.NewCommunityAsync();
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task<long> GridAsync(string name) =>
        (await _db.Mediator.Send(new AddGrid(_c.Id, name))).Value!.GridId;

    private async Task<(long Account, long Household, long Member)> HouseholdAsync(string code, long? grid = null, string name = "张三明")
    {
        var household = (await _db.Mediator.Send(new AddHousehold(_c.Id, grid, code))).Value!.HouseholdId;
        var member = (await _db.Mediator.Send(new AddResident(_c.Id, household, name))).Value!.ResidentId;
        var account = (await _db.Mediator.Send(new OpenAccount(_c.Id, "household", household))).Value!.AccountId;
        return (account, household, member);
    }

    private async Task<RankingView> RankAsync(string month = "2026-11", string? by = null, long? grid = null, string? category = null)
    {
        var ranking = await _db.SendAs(Acting.As(Role.Committee, _c.Id), new GetRanking(_c.Id, month, by, grid, category));
        Assert.That(ranking.Failure, Is.Null, ranking.Failure?.Detail);
        return ranking.Value!;
    }

    private static IEnumerable<(int Rank, string Code, long Points)> Board(RankingView view) =>
        view.Rows.Select(r => (r.Rank, r.HouseholdCode, r.Points));

    [Test]
    public async Task Ties_ShareARank_AndTheNextRankSkips_OrderedInsideTheTieByRegistration()
    {
        var a = await HouseholdAsync("A-1");
        var b = await HouseholdAsync("B-2");
        var c = await HouseholdAsync("C-3");
        var d = await HouseholdAsync("D-4");
        await _c.PostAsync(_c.Award(d.Account, 30));
        await _c.PostAsync(_c.Award(c.Account, 20));
        await _c.PostAsync(_c.Award(b.Account, 20));
        await _c.PostAsync(_c.Award(a.Account, 5));

        var view = await RankAsync();

        Assert.That(Board(view), Is.EqualTo(new[] { (1, "D-4", 30L), (2, "B-2", 20L), (2, "C-3", 20L), (4, "A-1", 5L) }));
    }

    [Test]
    public async Task Deductions_Subtract_RedemptionsAndTransfersDoNotCount()
    {
        var a = await HouseholdAsync("A-1");
        var b = await HouseholdAsync("B-2");
        await _c.PostAsync(_c.Award(a.Account, 50));
        await _c.PostAsync(_c.Deduct(a.Account, 15));
        await _c.PostAsync(_c.Redeem(a.Account, 30));
        await _c.PostAsync(_c.Award(b.Account, 20));
        await _c.PostAsync(new LedgerEntry(_c.Id, TransactionKind.Adjust, Categories.Transfer, _c.NextKey(), "赠送 10 分", "test:committee",
            [new PostingLine(a.Account, -5), new PostingLine(b.Account, 5)]));

        var view = await RankAsync();

        Assert.That(Board(view), Is.EqualTo(new[] { (1, "A-1", 35L), (2, "B-2", 20L) }));
        Assert.That(view.Rows[0].Earned, Is.EqualTo(50));
        Assert.That(view.Rows[0].Deducted, Is.EqualTo(15));
    }

    [Test]
    public async Task AReversal_TakesItsOriginalOut_OfTheOriginalsMonth_EvenWhenPostedInALaterMonth()
    {
        var a = await HouseholdAsync("A-1");
        var b = await HouseholdAsync("B-2");
        _db.Clock.Set(new DateTimeOffset(2026, 10, 20, 2, 0, 0, TimeSpan.Zero));
        var october = await _c.PostAsync(_c.Award(a.Account, 40));
        await _c.PostAsync(_c.Award(b.Account, 10));
        var withinMonth = await _c.PostAsync(_c.Award(b.Account, 25));
        Assert.That((await _db.Ledger.ReverseAsync(_c.Id, withinMonth.Seq, "记错了", "test:committee", "rev-1")).Error, Is.Null);
        _db.Clock.Set(new DateTimeOffset(2026, 11, 5, 2, 0, 0, TimeSpan.Zero));
        await _c.PostAsync(_c.Award(b.Account, 7));
        Assert.That((await _db.Ledger.ReverseAsync(_c.Id, october.Seq, "十月的记错了", "test:committee", "rev-2")).Error, Is.Null);

        Assert.That(Board(await RankAsync("2026-10")), Is.EqualTo(new[] { (1, "B-2", 10L) }),
            "the October award reversed in November leaves A with nothing in October (and off the board); B's reversed award within October is gone too");
        Assert.That(Board(await RankAsync("2026-11")), Is.EqualTo(new[] { (1, "B-2", 7L) }), "the reversal does not count in November");
    }

    [TestCase("2026-10-31T15:59:59Z", "2026-10")]
    [TestCase("2026-10-31T16:00:00Z", "2026-11")]
    [TestCase("2026-11-30T15:59:59Z", "2026-11")]
    [TestCase("2026-11-30T16:00:00Z", "2026-12")]
    public async Task ThePostingTime_CountsInTheMonthOfAsiaShanghai(string utc, string month)
    {
        var a = await HouseholdAsync("A-1");
        _db.Clock.Set(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));
        await _c.PostAsync(_c.Award(a.Account, 12));

        foreach (var m in new[] { "2026-10", "2026-11", "2026-12" })
        {
            Assert.That(Board(await RankAsync(m)), Is.EqualTo(m == month ? new[] { (1, "A-1", 12L) } : []), m);
        }
    }

    [Test]
    public async Task ABackdatedEntry_CountsInItsEffectiveMonth()
    {
        var a = await HouseholdAsync("A-1");
        _db.Clock.Set(new DateTimeOffset(2026, 11, 2, 2, 0, 0, TimeSpan.Zero));
        await _c.PostAsync(_c.Award(a.Account, 9) with { EffectiveDate = new DateOnly(2026, 10, 31) });

        Assert.That(Board(await RankAsync("2026-10")), Is.EqualTo(new[] { (1, "A-1", 9L) }));
        Assert.That(await RankAsync("2026-11"), Has.Property(nameof(RankingView.Rows)).Empty);
    }

    [Test]
    public async Task ByPerson_InAHouseholdCommunity_RanksTheMembers_WithMaskedNames()
    {
        var a = await HouseholdAsync("A-1", name: "张三明");
        var second = (await _db.Mediator.Send(new AddResident(_c.Id, a.Household, "欧阳娜娜"))).Value!.ResidentId;
        var b = await HouseholdAsync("B-2", name: "李四");
        await _c.PostAsync(_c.Award(a.Account, 10, member: a.Member));
        await _c.PostAsync(_c.Award(a.Account, 25, member: second));
        await _c.PostAsync(_c.Award(b.Account, 10, member: b.Member));
        await _c.PostAsync(_c.Award(b.Account, 99));

        var people = await RankAsync(by: "person");
        var households = await RankAsync();

        Assert.That(people.Rows.Select(r => (r.Rank, r.MaskedName, r.HouseholdCode, r.Points)),
            Is.EqualTo(new[] { (1, "欧*娜", "A-1", 25L), (2, "张*明", "A-1", 10L), (2, "李*", "B-2", 10L) }),
            "an entry with no member is in no person's row");
        Assert.That(people.Rows.Select(r => r.AccountId), Is.EqualTo(new long?[] { a.Account, a.Account, b.Account }));
        Assert.That(Board(households), Is.EqualTo(new[] { (1, "B-2", 109L), (2, "A-1", 35L) }));
        Assert.That(households.By, Is.EqualTo("household"), "the community's account mode is the default");
    }

    [Test]
    public async Task ByHousehold_InAPersonCommunity_SumsItsResidents()
    {
        var community = await _db.NewCommunityAsync("person");
        var household = (await _db.Mediator.Send(new AddHousehold(community.Id, null, "P-9"))).Value!.HouseholdId;
        long Person(long resident) => _db.Mediator.Send(new OpenAccount(community.Id, "person", resident)).Result.Value!.AccountId;
        var x = Person((await _db.Mediator.Send(new AddResident(community.Id, household, "王小明"))).Value!.ResidentId);
        var y = Person((await _db.Mediator.Send(new AddResident(community.Id, household, "王二"))).Value!.ResidentId);
        await community.PostAsync(community.Award(x, 8));
        await community.PostAsync(community.Award(y, 4));

        var people = await _db.SendAs(Acting.As(Role.Committee, community.Id), new GetRanking(community.Id, "2026-11"));
        var households = await _db.SendAs(Acting.As(Role.Committee, community.Id), new GetRanking(community.Id, "2026-11", "household"));

        Assert.That(people.Value!.By, Is.EqualTo("person"));
        Assert.That(people.Value.Rows.Select(r => (r.Rank, r.MaskedName, r.Points, r.AccountId)), Is.EqualTo(new[] { (1, "王*明", 8L, (long?)x), (2, "王*", 4L, (long?)y) }));
        Assert.That(households.Value!.Rows.Select(r => (r.Rank, r.HouseholdCode, r.Points, r.AccountId)), Is.EqualTo(new[] { (1, "P-9", 12L, (long?)null) }));
    }

    [Test]
    public async Task TheGridFilter_RanksOnlyThatGrid()
    {
        var east = await GridAsync("东片");
        var west = await GridAsync("西片");
        var a = await HouseholdAsync("A-1", east);
        var b = await HouseholdAsync("B-2", west);
        var c = await HouseholdAsync("C-3", east);
        await _c.PostAsync(_c.Award(a.Account, 5));
        await _c.PostAsync(_c.Award(b.Account, 50));
        await _c.PostAsync(_c.Award(c.Account, 6));

        Assert.That(Board(await RankAsync(grid: east)), Is.EqualTo(new[] { (1, "C-3", 6L), (2, "A-1", 5L) }));
        Assert.That(Board(await RankAsync(grid: west)), Is.EqualTo(new[] { (1, "B-2", 50L) }));
    }

    [Test]
    public async Task TheCategoryFilter_CountsOnlyThatCategory_AndVolunteerMinutesShow()
    {
        var a = await HouseholdAsync("A-1");
        var b = await HouseholdAsync("B-2");
        await _c.PostAsync(_c.Award(a.Account, 30, category: Categories.Hygiene));
        await _c.PostAsync(_c.Award(b.Account, 10, category: Categories.Volunteer, minutes: 90));
        await _c.PostAsync(_c.Award(b.Account, 40, category: Categories.GoodDeed));

        var volunteer = await RankAsync(category: Categories.Volunteer);
        var all = await RankAsync();

        Assert.That(volunteer.Rows.Select(r => (r.HouseholdCode, r.Points, r.VolunteerMinutes)), Is.EqualTo(new[] { ("B-2", 10L, 90L) }));
        Assert.That(Board(all), Is.EqualTo(new[] { (1, "B-2", 50L), (2, "A-1", 30L) }));
        Assert.That(all.Rows[0].VolunteerMinutes, Is.EqualTo(90));
    }

    [TestCase("2026-13", null, null)]
    [TestCase("2026-1", null, null)]
    [TestCase("2026-11", "family", null)]
    [TestCase("2026-11", null, "gambling")]
    public void BadInput_IsRefused(string month, string? by, string? category)
    {
        Assert.ThrowsAsync<PointsBank.Infrastructure.RequestValidationException>(() =>
            _db.SendAs(Acting.As(Role.Committee, _c.Id), new GetRanking(_c.Id, month, by, null, category)));
    }
}

[TestFixture]
public sealed class SqliteRankingTests() : RankingTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRankingTests() : RankingTests(DatabaseProvider.SqlServer);
