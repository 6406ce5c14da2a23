using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MiniExcelLibs;
using PointsBank.Features.Communities;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Http;

/// <summary>
/// The roster workbook over HTTP as the committee's page and a script use it: the template, the import's content type,
/// the 422 with every problem and nothing written, the export that imports again unchanged, and ?format=xlsx on the
/// reports.
/// </summary>
public abstract class RosterWorkbookApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private HttpClient _committee = null!;
    private long _c;

    [OneTimeSetUp]
    public async Task Start()
    {
        _app = new AppFactory(Provider);
        _committee = await _app.ClientAsAsync("committee");
        _c = await _app.DemoCommunityAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _committee.Dispose();
        await _app.DisposeAsync();
    }

    private static ByteArrayContent Xlsx(byte[] workbook) =>
        new(workbook) { Headers = { ContentType = new MediaTypeHeaderValue(RosterWorkbook.ContentType) } };

    private Task<long> Households() => _app.ScalarAsync<long>("SELECT COUNT(*) FROM households WHERE community_id = @c", new { c = _c });

    [Test]
    public async Task TheTemplate_DownloadsAsAnXlsxWithTheChineseSheets()
    {
        using var response = await _committee.GetAsync($"/api/v1/communities/{_c}/roster/template.xlsx");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(RosterWorkbook.ContentType));
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        Assert.That(stream.GetSheetNames(), Is.EqualTo(new[] { "说明", "网格", "住户" }));
    }

    [Test]
    public async Task ABodyThatIsNotAWorkbook_Is415_AndAFileWithProblems_Is422WithEveryProblem_AndWritesNothing()
    {
        var before = await Households();
        using var json = await _committee.PostAsJsonAsync($"/api/v1/communities/{_c}/roster/import", new { });
        Assert.That(json.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That((await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString(), Is.EqualTo("roster_not_xlsx"));

        var bad = RosterWorkbook.Write([], [new RosterHouseholdLine(0, "新-01", "没有的网格", "", "", "", [])]);
        using var refused = await _committee.PostAsync($"/api/v1/communities/{_c}/roster/import", Xlsx(bad));
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("sheet").GetString(), e.GetProperty("row").GetInt32(),
            e.GetProperty("column").GetString())), Is.EquivalentTo(new[] { ("住户", 2, "B"), ("住户", 2, "D") }));
        Assert.That(await Households(), Is.EqualTo(before));

        using var dry = await _committee.PostAsync($"/api/v1/communities/{_c}/roster/import?dryRun=true", Xlsx(bad));
        Assert.That(dry.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a dry run answers 200 with the problems");
    }

    [Test]
    public async Task TheRosterExport_AsXlsx_ImportsAgainWithNothingChanged()
    {
        using var export = await _committee.GetAsync($"/api/v1/communities/{_c}/roster?format=xlsx");
        Assert.That(export.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(export.Content.Headers.ContentType?.MediaType, Is.EqualTo(RosterWorkbook.ContentType));
        var workbook = await export.Content.ReadAsByteArrayAsync();
        var households = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM households WHERE community_id = @c AND is_active = 1", new { c = _c });
        var changes = await _app.ScalarAsync<long>("SELECT COUNT(*) FROM entity_changes WHERE community_id = @c", new { c = _c });

        using var imported = await _committee.PostAsync($"/api/v1/communities/{_c}/roster/import", Xlsx(workbook));
        var body = await imported.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(imported.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That((body.GetProperty("unchanged").GetInt32(), body.GetProperty("created").GetInt32(), body.GetProperty("updated").GetInt32()),
            Is.EqualTo(((int)households, 0, 0)));
        Assert.That(households, Is.GreaterThan(0));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM entity_changes WHERE community_id = @c", new { c = _c }), Is.EqualTo(changes));
    }

    [Test]
    public async Task EveryCsvReport_IsAlsoAnXlsx_WithTheSameChineseHeader()
    {
        var account = await _app.ScalarAsync<long>("SELECT MIN(id) FROM accounts WHERE community_id = @c AND kind = 'household'", new { c = _c });
        var path = $"/api/v1/communities/{_c}/accounts/{account}/history";

        var csv = await _committee.GetStringAsync(path + "?format=csv");
        using var xlsx = await _committee.GetAsync(path + "?format=xlsx");

        Assert.That(xlsx.Content.Headers.ContentType?.MediaType, Is.EqualTo(RosterWorkbook.ContentType));
        using var stream = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync());
        var rows = stream.Query(useHeaderRow: false).Cast<IDictionary<string, object?>>().ToList();
        var csvLines = csv.TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(string.Join(",", rows[0].Values), Is.EqualTo(csvLines[0].TrimEnd('\r')));
        Assert.That(rows[0].Values.First(), Is.EqualTo("序号"));
        Assert.That(rows, Has.Count.EqualTo(csvLines.Length).And.Count.GreaterThan(1));
    }
}

[TestFixture]
public sealed class SqliteRosterWorkbookApiTests() : RosterWorkbookApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRosterWorkbookApiTests() : RosterWorkbookApiTests(DatabaseProvider.SqlServer);
