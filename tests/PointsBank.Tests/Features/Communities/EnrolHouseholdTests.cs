using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Communities;

/// <summary>
/// 新增一户 as one request through the real pipeline: the household, its holder and members and the accounts the
/// community's account mode asks for, each step with its change history; a refused step leaves nothing behind; the
/// roster import names what it added in person mode too.
/// </summary>
public abstract class EnrolHouseholdTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase() => _db = await TestDatabase.CreateAsync(provider);

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task<long> CountAsync(string sql, long c) => Convert.ToInt64(await _db.ScalarRawAsync(sql, new { c }));

    [Test]
    public async Task InAPersonModeCommunity_EveryPersonGetsAnAccount_AndTheAnswerIsTheHolders()
    {
        var c = (await _db.NewCommunityAsync(accountMode: "person")).Id;

        var enrolled = await _db.SendAs(As(Role.Committee, c), new EnrolHousehold(c, null, "三组-01", "", "冯大年", "139-0000-5678", ["冯小年"]));

        Assert.That(enrolled.Failure, Is.Null);
        var v = enrolled.Value!;
        Assert.That(v.MemberIds, Has.Count.EqualTo(1));
        Assert.That(Convert.ToInt64(await _db.ScalarRawAsync("SELECT resident_id FROM accounts WHERE id = @a", new { a = v.AccountId })), Is.EqualTo(v.HolderId),
            "the answer's account is the holder's own");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM accounts WHERE community_id = @c AND kind = 'person'", c), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM accounts WHERE community_id = @c AND kind = 'household'", c), Is.Zero);
        var history = (await _db.SendAs(As(Role.Committee, c), new GetChangeHistory(c))).Value!.Items;
        Assert.That(history.Select(h => (h.Entity, h.Change)), Is.SupersetOf(new[] { ("household", "create"), ("resident", "create") }),
            "each step is in the change history like an edit by hand");
    }

    [Test]
    public async Task ARefusedStep_LeavesNoHalfMadeHousehold()
    {
        var c = (await _db.NewCommunityAsync()).Id;
        var grid = (await _db.SendAs(As(Role.Committee, c), new AddGrid(c, "停用组"))).Value!.GridId;
        Assert.That((await _db.SendAs(As(Role.Committee, c), new DeactivateGrid(c, grid))).Failure, Is.Null);
        Assert.That((await _db.SendAs(As(Role.Committee, c), new AddHousehold(c, null, "一组-01"))).Failure, Is.Null);
        var (households, residents, accounts) = (await CountAsync("SELECT COUNT(*) FROM households WHERE community_id = @c", c),
            await CountAsync("SELECT COUNT(*) FROM residents WHERE community_id = @c", c), await CountAsync("SELECT COUNT(*) FROM accounts WHERE community_id = @c", c));

        var taken = await _db.SendAs(As(Role.Committee, c), new EnrolHousehold(c, null, "一组-01", "", "甲"));
        var inactive = await _db.SendAs(As(Role.Committee, c), new EnrolHousehold(c, grid, "一组-02", "", "乙"));
        Assert.ThrowsAsync<RequestValidationException>(() => _db.SendAs(As(Role.Committee, c), new EnrolHousehold(c, null, "一组-03", "", "丙", "abc", [new string('名', 101)])));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(Role.Inspector, c), new EnrolHousehold(c, null, "一组-04", "", "丁")));

        Assert.That((taken.Failure?.Code, inactive.Failure?.Code), Is.EqualTo(("household_code_exists", "grid_inactive")));
        Assert.That((await CountAsync("SELECT COUNT(*) FROM households WHERE community_id = @c", c),
            await CountAsync("SELECT COUNT(*) FROM residents WHERE community_id = @c", c), await CountAsync("SELECT COUNT(*) FROM accounts WHERE community_id = @c", c)),
            Is.EqualTo((households, residents, accounts)));
    }

    [Test]
    public async Task ARosterImport_InPersonMode_NamesItsNewHouseholds_WithTheHeadsAccount()
    {
        var c = (await _db.NewCommunityAsync(accountMode: "person")).Id;
        var workbook = RosterWorkbook.Write(["一组"], [new RosterHouseholdLine(0, "一组-09", "一组", "", "卫东", "", ["卫红"])]);

        var check = (await _db.SendAs(As(Role.Committee, c), new ImportRoster(c, workbook, DryRun: true))).Value!;
        var imported = (await _db.SendAs(As(Role.Committee, c), new ImportRoster(c, workbook))).Value!;
        var again = (await _db.SendAs(As(Role.Committee, c), new ImportRoster(c, workbook))).Value!;

        Assert.That(check.NewHouseholds, Is.EqualTo(new[] { new RosterNewHousehold("一组-09") }));
        var added = imported.NewHouseholds.Single();
        var head = Convert.ToInt64(await _db.ScalarRawAsync("SELECT MIN(id) FROM residents WHERE household_id = @h", new { h = added.HouseholdId }));
        Assert.That(Convert.ToInt64(await _db.ScalarRawAsync("SELECT resident_id FROM accounts WHERE id = @a", new { a = added.AccountId })), Is.EqualTo(head));
        Assert.That(again.NewHouseholds, Is.Empty, "the same file again adds nothing");
    }
}

[TestFixture]
public sealed class SqliteEnrolHouseholdTests() : EnrolHouseholdTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerEnrolHouseholdTests() : EnrolHouseholdTests(DatabaseProvider.SqlServer);
