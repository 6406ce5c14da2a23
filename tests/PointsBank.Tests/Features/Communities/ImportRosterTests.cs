using MediatR;
using MiniExcelLibs;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Communities;

/// <summary>
/// The roster import from the committee's Excel workbook (issue 11 item 1), through the real pipeline: every problem by
/// sheet, row and column with nothing written; the whole file in one go; the same file again changes nothing; a
/// changed row updates the household through the roster's own path, with its change history.
/// </summary>
public abstract class ImportRosterTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private long _c;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _c = (await _db.NewCommunityAsync()).Id;
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private Task<Outcome<RosterImportResult>> Import(byte[] workbook, bool dryRun = false) =>
        _db.SendAs(As(Role.Committee, _c), new ImportRoster(_c, workbook, dryRun));

    private static RosterImportResult Ok(Outcome<RosterImportResult> outcome)
    {
        Assert.That(outcome.Failure, Is.Null, outcome.Failure?.Detail);
        return outcome.Value!;
    }

    private async Task<long> Count(string table) =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM {table} WHERE community_id = {_c}"), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(long Households, long Residents, long Grids, long Accounts, long Changes)> Counts() =>
        (await Count("households"), await Count("residents"), await Count("grids"), await Count("accounts"), await Count("entity_changes"));

    private static string[] GridNames => ["一组", "二组", "三组", "四组", "五组", "六组"];

    /// <summary>1,800 households over six grids, each with a head (and phone) and one or two members.</summary>
    private static List<RosterHouseholdLine> Village() =>
    [
        .. Enumerable.Range(1, 1800).Select(i => new RosterHouseholdLine(0, $"{GridNames[i % 6]}-{i:0000}", GridNames[i % 6], $"幸福路 {i} 号",
            $"户主{i}", $"138{i:00000000}", i % 2 == 0 ? [$"配偶{i}", $"子女{i}"] : [$"配偶{i}"])),
    ];

    [Test]
    public async Task A1800HouseholdWorkbook_WithThreeBadRows_WritesNothingAndNamesThem_Fixed_ImportsInOneGo_Again_ChangesNothing()
    {
        var good = Village();
        var bad = good.ToList();
        bad[99] = bad[99] with { Code = "" };                     // sheet row 101 (the header is row 1): no door-plate code
        bad[999] = bad[999] with { Phone = "电话138" };           // sheet row 1001: a bad phone
        bad[1499] = bad[1499] with { Grid = "十组" };              // sheet row 1501: a grid nobody listed
        var before = await Counts();

        var refused = Ok(await Import(RosterWorkbook.Write(GridNames, bad)));

        Assert.That(refused.Imported, Is.False);
        Assert.That(refused.Errors.Select(e => (e.Sheet, e.Row, e.Column)),
            Is.EqualTo(new[] { ("住户", 101, "A"), ("住户", 1001, "E"), ("住户", 1501, "B") }), string.Join("\n", refused.Errors));
        Assert.That(refused.Errors.Select(e => e.Message), Has.All.Matches<string>(m => m.Any(c => c >= 0x4E00 && c <= 0x9FFF)), "messages in Chinese");
        Assert.That(refused.Errors[2].Message, Does.Contain("十组"));
        Assert.That(await Counts(), Is.EqualTo(before), "nothing written");

        var workbook = RosterWorkbook.Write(GridNames, good);
        var imported = Ok(await Import(workbook));

        Assert.That(imported.Errors, Is.Empty);
        Assert.That((imported.Imported, imported.Created, imported.Updated, imported.Unchanged, imported.GridsCreated, imported.ResidentsCreated),
            Is.EqualTo((true, 1800, 0, 0, 6, 1800 + 900 * 2 + 900 * 1)));
        var afterImport = await Counts();
        Assert.That((afterImport.Households, afterImport.Residents, afterImport.Grids), Is.EqualTo((1800L, 4500L, 6L)));
        Assert.That(afterImport.Accounts - before.Accounts, Is.EqualTo(1800), "every new household gets its points account");
        Assert.That(await _db.ScalarRawAsync($"SELECT phone FROM residents WHERE community_id = {_c} AND full_name = @name", new { name = "户主7" }), Is.EqualTo("13800000007"));

        var again = Ok(await Import(workbook));

        Assert.That((again.Imported, again.Created, again.Updated, again.Unchanged, again.GridsCreated, again.ResidentsCreated, again.ResidentsUpdated,
            again.ResidentsDeactivated), Is.EqualTo((true, 0, 0, 1800, 0, 0, 0, 0)));
        Assert.That(await Counts(), Is.EqualTo(afterImport), "the same file again writes no row, not even history");
    }

    [Test]
    public async Task AChangedRow_UpdatesThatHousehold_WithItsChangeHistory_AndOnlyThatOne()
    {
        var grids = new[] { "一组", "二组" };
        var lines = new List<RosterHouseholdLine>
        {
            new(0, "一组-01", "一组", "幸福路 1 号", "张建国", "13800138000", ["李秀英", "张小明"]),
            new(0, "一组-02", "一组", "幸福路 2 号", "王芳", "13900139000", []),
        };
        Ok(await Import(RosterWorkbook.Write(grids, lines)));
        var household = Convert.ToInt64(await _db.ScalarRawAsync($"SELECT id FROM households WHERE community_id = {_c} AND code = @code", new { code = "一组-01" }),
            System.Globalization.CultureInfo.InvariantCulture);
        var changesBefore = await Count("entity_changes");
        // Moved to 二组, new phone, 张小明 moved away, 张小红 born.
        lines[0] = lines[0] with { Grid = "二组", Address = "幸福路 1 号之一", Phone = "13700137000", Members = ["李秀英", "张小红"] };

        var dry = Ok(await Import(RosterWorkbook.Write(grids, lines), dryRun: true));
        Assert.That((dry.Imported, dry.Created, dry.Updated, dry.Unchanged, dry.ResidentsCreated, dry.ResidentsUpdated, dry.ResidentsDeactivated),
            Is.EqualTo((false, 0, 1, 1, 1, 1, 1)));
        Assert.That(await Count("entity_changes"), Is.EqualTo(changesBefore), "the dry run writes nothing");

        var result = Ok(await Import(RosterWorkbook.Write(grids, lines)));

        Assert.That((result.Updated, result.Unchanged), Is.EqualTo((1, 1)));
        var history = Ok2(await _db.SendAs(As(Role.Committee, _c), new GetChangeHistory(_c, "household", household))).Items;
        Assert.That(history[0].Change, Is.EqualTo("update"));
        Assert.That(history[0].Before!.Value.GetProperty("address").GetString(), Is.EqualTo("幸福路 1 号"));
        Assert.That(history[0].After!.Value.GetProperty("address").GetString(), Is.EqualTo("幸福路 1 号之一"));
        var residents = Ok2(await _db.SendAs(As(Role.Committee, _c), new ListResidents(_c, HouseholdId: household, IncludeInactive: true))).Items;
        Assert.That(residents.Select(r => (r.FullName, r.Phone, r.IsActive)), Is.EquivalentTo(new[]
        {
            ("张建国", "13700137000", true), ("李秀英", (string?)null, true), ("张小明", null, false), ("张小红", null, true),
        }));
        var personChanges = Ok2(await _db.SendAs(As(Role.Committee, _c), new GetChangeHistory(_c, "resident"))).Items.Take(3).Select(c => c.Change);
        Assert.That(personChanges, Is.EquivalentTo(new[] { "create", "update", "deactivate" }));
    }

    [Test]
    public async Task DuplicateDoorPlates_MissingHead_TooLongText_AndDuplicateGrids_AreEachNamed()
    {
        var lines = new List<RosterHouseholdLine>
        {
            new(0, "A-1", "", "", "赵一", "", []),
            new(0, "A-1", "", "", "钱二", "", []),
            new(0, "A-3", "", "", "", "", ["孙三"]),
            new(0, "A-4", "", new string('路', 401), "李四", "", ["李四"]),
        };

        var result = Ok(await Import(RosterWorkbook.Write(["一组", "一组"], lines), dryRun: true));

        Assert.That(result.Errors.Select(e => (e.Sheet, e.Row, e.Column)), Is.EqualTo(new[]
        {
            ("网格", 3, "A"), ("住户", 3, "A"), ("住户", 4, "D"), ("住户", 5, "C"), ("住户", 5, "F"),
        }), string.Join("\n", result.Errors));
        Assert.That(result.Errors[1].Message, Does.Contain("第 2 行"));
        Assert.That(await Count("households"), Is.Zero);
    }

    [Test]
    public async Task TheTemplate_HasTheGuideAndChineseHeaders_AndImportsAsNothing()
    {
        var template = (await _db.SendAs(As(Role.Committee, _c), new GetRosterTemplate(_c))).Value!;
        using var stream = new MemoryStream(template);

        Assert.That(stream.GetSheetNames(), Is.EqualTo(new[] { "说明", "网格", "住户" }));
        stream.Position = 0;
        var header = (IDictionary<string, object?>)stream.Query(useHeaderRow: false, sheetName: "住户").First();
        Assert.That(header.Values, Is.EqualTo(RosterWorkbook.HouseholdColumns));
        var result = Ok(await Import(template));
        Assert.That((result.Errors.Count, result.Created, result.Imported), Is.EqualTo((0, 0, true)));
    }

    [Test]
    public async Task NotAWorkbook_IsRefused_AndAWorkbookWithoutTheHouseholdSheet_IsNamed()
    {
        var refused = await Import("门牌号,户主\n1,张三"u8.ToArray());
        Assert.That(refused.Failure?.Code, Is.EqualTo("roster_file_invalid"));

        using var other = new MemoryStream();
        other.SaveAs(new[] { new { 门牌号 = "1" } }, sheetName: "Sheet1");
        var result = Ok(await Import(other.ToArray(), dryRun: true));
        Assert.That(result.Errors.Single().Sheet, Is.EqualTo("住户"));
    }

    [Test]
    public async Task AnInspector_MayNotImport()
    {
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(Role.Inspector, _c), new ImportRoster(_c, RosterWorkbook.Write(["一组"], []))));
        Assert.That(await Count("households"), Is.Zero);
    }

    private static T Ok2<T>(Outcome<T> outcome)
    {
        Assert.That(outcome.Failure, Is.Null, outcome.Failure?.Detail);
        return outcome.Value!;
    }
}

[TestFixture]
public sealed class SqliteImportRosterTests() : ImportRosterTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerImportRosterTests() : ImportRosterTests(DatabaseProvider.SqlServer);
