using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Inspections;

/// <summary>
/// The grid worker's round over several days on /inspections/{communityId}: households graded on an earlier day come
/// back marked with their grade, points and entry, without grade buttons, and are counted; a form rendered before
/// another worker graded a household is refused naming that household by its door-plate code, and the page then marks
/// it while the other picks stay; the same form sent twice posts once.
/// </summary>
public abstract class InspectionPageTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _grid;

    // Last month: a month of its own for this fixture's gradings.
    private static readonly string Period = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
        _grid = await _app.ScalarAsync<long>("SELECT id FROM grids WHERE community_id = @c AND name = @name", new { c = _community, name = "一组" });
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private string PagePath => $"/inspections/{_community}?grid={_grid}&rule=waste_sorting&period={Period}";

    private static string Html(string raw) => WebUtility.HtmlDecode(raw);

    private sealed record Household(long Id, long Account, string Code);

    /// <summary>New households of 一组 with their accounts, added by the committee through the API.</summary>
    private async Task<Household[]> HouseholdsAsync(int count)
    {
        using var committee = await _app.ClientAsAsync("committee");
        var made = new List<Household>();
        for (var i = 0; i < count; i++)
        {
            var code = $"一组-{Guid.NewGuid():N}"[..9];
            var household = await (await committee.PostAsJsonAsync(Api("/households"), new { gridId = _grid, code })).Content.ReadFromJsonAsync<JsonElement>();
            var id = household.GetProperty("householdId").GetInt64();
            var opened = await committee.PostAsJsonAsync(Api("/accounts"), new { kind = "household", ownerId = id });
            made.Add(new Household(id, (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accountId").GetInt64(), code));
        }
        return made.ToArray();
    }

    private Task<long> EntriesAsync(long account) => _app.ScalarAsync<long>(
        "SELECT COUNT(*) FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id WHERE p.account_id = @account AND t.rule_code = 'waste_sorting'",
        new { account });

    private static Dictionary<string, string> Form(string html, params (Household Household, string Grade)[] grades)
    {
        var fields = new Dictionary<string, string>
        {
            ["key"] = Regex.Match(html, "name=\"key\" value=\"([^\"]+)\"").Groups[1].Value,
            ["grid"] = Regex.Match(html, "data-testid=\"grade-form\">[\\s\\S]*?name=\"grid\" value=\"(\\d+)\"").Groups[1].Value,
            ["rule"] = "waste_sorting",
            ["period"] = Period,
            ["__RequestVerificationToken"] = AppFactory.Antiforgery(html),
        };
        Assert.That(fields["key"], Is.Not.Empty, "the form carries its one-time key");
        foreach (var (household, grade) in grades)
        {
            fields[$"g{household.Id}"] = grade;
        }
        return fields;
    }

    private async Task<string> PostAsync(HttpClient page, Dictionary<string, string> fields)
    {
        using var sent = await page.PostAsync(PagePath, new FormUrlEncodedContent(fields));
        var html = await sent.Content.ReadAsStringAsync();
        Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        return Html(html);
    }

    private static string Count(string html) => Regex.Match(html, "data-testid=\"graded-count\">\\s*([^<]*?)\\s*<").Groups[1].Value;

    private static int Offered(string html) => Regex.Matches(html, "<fieldset class=\"grade-row\"").Count;

    /// <summary>The graded row of a household, or empty when it has none.</summary>
    private static string GradedRow(string html, Household household) =>
        Regex.Match(html, $"<div class=\"grade-row graded[^\"]*\"\\s+data-household=\"{household.Id}\"[\\s\\S]*?</div>").Value;

    private static bool HasButtons(string html, Household household) => html.Contains($"name=\"g{household.Id}\"", StringComparison.Ordinal);

    [Test]
    public async Task HouseholdsGradedOnAnEarlierDay_ComeBackMarked_WithTheirGradeAndPoints_AndAreNotOfferedAgain()
    {
        var hh = await HouseholdsAsync(4);
        using var inspector = await _app.PageClientAsync("inspector");
        var blank = Html(await inspector.GetStringAsync(PagePath));
        var total = Offered(blank);
        Assert.That(hh.All(h => HasButtons(blank, h)), Is.True, "not graded yet: every new household has its grade buttons");
        var before = Regex.Match(Count(blank), "^已评定 (\\d+) 户，还有 (\\d+) 户未评定$");
        Assert.That(before.Success, Is.True, Count(blank));
        Assert.That(int.Parse(before.Groups[2].Value, CultureInfo.InvariantCulture), Is.EqualTo(total));
        var graded = int.Parse(before.Groups[1].Value, CultureInfo.InvariantCulture);

        // Day one: three of the four.
        var posted = await PostAsync(inspector, Form(blank, (hh[0], "优"), (hh[1], "良"), (hh[2], "差")));
        Assert.That(posted, Does.Contain("已记分 3 户"));
        Assert.That(Count(posted), Is.EqualTo($"已评定 {graded + 3} 户，还有 {total - 3} 户未评定"));

        // Day two: the page opened again marks them from what the ledger holds.
        var nextDay = Html(await inspector.GetStringAsync(PagePath));
        Assert.That(Count(nextDay), Is.EqualTo($"已评定 {graded + 3} 户，还有 {total - 3} 户未评定"));
        Assert.That(Offered(nextDay), Is.EqualTo(total - 3));
        foreach (var (household, grade, points) in new[] { (hh[0], "优", "+10"), (hh[1], "良", "+6"), (hh[2], "差", "0") })
        {
            var row = GradedRow(nextDay, household);
            Assert.That(row, Does.Contain(household.Code).And.Contain($"已评定 {grade}").And.Contain($">{points}<"), household.Code);
            var seq = await _app.ScalarAsync<long>("SELECT seq FROM ledger_transactions WHERE idempotency_key = @key",
                new { key = $"inspection-{household.Id}-{Period}-waste_sorting" });
            Assert.That(row, Does.Contain($"第 {seq} 笔"));
            Assert.That(HasButtons(nextDay, household), Is.False, $"{household.Code} is not offered for grading again");
            Assert.That(row, Does.Not.Contain("<a "), "an inspector is not offered the committee's correction");
        }
        Assert.That(HasButtons(nextDay, hh[3]), Is.True);
        Assert.That(GradedRow(nextDay, hh[3]), Is.Empty);
        Assert.That(nextDay, Does.Contain("请村委会在该户账户里更正那一笔"));

        // The committee sees the same marks, each with the way to correct it: the household's account page.
        using var committee = await _app.PageClientAsync("committee");
        var asCommittee = Html(await committee.GetStringAsync(PagePath));
        Assert.That(GradedRow(asCommittee, hh[0]), Does.Contain($"href=\"/points/{_community}/accounts/{hh[0].Account}\""));
    }

    [Test]
    public async Task AFormFromBeforeAnotherWorkerGraded_IsRefusedNamingThatHousehold_ThenMarksIt_AndKeepsTheOtherPicks()
    {
        var hh = await HouseholdsAsync(2);
        using var inspector = await _app.PageClientAsync("inspector");
        var stale = Html(await inspector.GetStringAsync(PagePath));
        using (var committee = await _app.ClientAsAsync("committee"))
        {
            var meanwhile = new HttpRequestMessage(HttpMethod.Post, Api("/inspections"))
            {
                Content = JsonContent.Create(new { gridId = _grid, ruleCode = "waste_sorting", period = Period, grades = new[] { new { householdId = hh[0].Id, grade = "良" } } }),
            };
            meanwhile.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            Assert.That((await committee.SendAsync(meanwhile)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var refused = await PostAsync(inspector, Form(stale, (hh[0], "优"), (hh[1], "中")));

        var error = Regex.Match(refused, "data-testid=\"error\">([^<]*)<").Groups[1].Value;
        Assert.That(error, Does.StartWith($"{hh[0].Code} 本月已按这条细则评定过（须先更正），整批未记分"));
        Assert.That(error, Does.Not.Contain(hh[1].Code));
        Assert.That(GradedRow(refused, hh[0]), Does.Contain("graded refused").And.Contain("已评定 良"));
        Assert.That(HasButtons(refused, hh[0]), Is.False);
        Assert.That(refused, Does.Match($"name=\"g{hh[1].Id}\" value=\"中\" checked"), "the other household's pick stays");
        Assert.That(await EntriesAsync(hh[1].Account), Is.Zero, "all or nothing");
        Assert.That(await EntriesAsync(hh[0].Account), Is.EqualTo(1));

        var again = await PostAsync(inspector, Form(refused, (hh[1], "中")));
        Assert.That(again, Does.Contain("已记分 1 户"));
        Assert.That(await EntriesAsync(hh[1].Account), Is.EqualTo(1));
    }

    [Test]
    public async Task TheSameForm_SentTwice_PostsOnce_AndBothAnswersSayTheSame()
    {
        var hh = await HouseholdsAsync(2);
        using var inspector = await _app.PageClientAsync("inspector");
        var form = Form(Html(await inspector.GetStringAsync(PagePath)), (hh[0], "优"), (hh[1], "良"));

        var first = await PostAsync(inspector, form);
        var second = await PostAsync(inspector, form);

        static string Done(string html) => Regex.Match(html, "data-testid=\"done\">\\s*([^<]*?)\\s*<").Groups[1].Value;
        Assert.That(Done(first), Does.StartWith("已记分 2 户"));
        Assert.That(Done(second), Is.EqualTo(Done(first)), "the second send answers the first, not 已评定过");
        Assert.That(second, Does.Not.Contain("data-testid=\"error\""));
        Assert.That((await EntriesAsync(hh[0].Account), await EntriesAsync(hh[1].Account)), Is.EqualTo((1L, 1L)));
        Assert.That(GradedRow(second, hh[0]), Does.Contain("已评定 优"));
    }
}

[TestFixture]
public sealed class SqliteInspectionPageTests() : InspectionPageTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerInspectionPageTests() : InspectionPageTests(DatabaseProvider.SqlServer);
