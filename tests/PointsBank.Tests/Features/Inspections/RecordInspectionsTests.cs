using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Inspections;

/// <summary>
/// 卫生检查 batches through the real host: one award per household on its household account, through the rule's
/// evaluator, counted in the graded month; all or nothing; the same batch again posts nothing new; a second grading
/// is refused until the first is corrected; a grid-limited inspector grades only their grid.
/// </summary>
public abstract class RecordInspectionsTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _grid1;
    private long _grid2;

    // Last month: its gradings take effect on its last day.
    private static readonly DateOnly LastMonth = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddMonths(-1);
    private static readonly string Period = LastMonth.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        _community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        _grid1 = await connection.ExecuteScalarAsync<long>("SELECT id FROM grids WHERE community_id = @c AND name = @name", new { c = _community, name = "一组" });
        _grid2 = await connection.ExecuteScalarAsync<long>("SELECT id FROM grids WHERE community_id = @c AND name = @name", new { c = _community, name = "二组" });
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static HttpRequestMessage Send(string url, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return request;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>New households of a grid with their accounts, added by the committee through the app's requests.</summary>
    private async Task<(long Household, long Account)[]> HouseholdsAsync(long grid, int count, bool withAccount = true)
    {
        using var committee = await _app.ClientAsAsync("committee");
        var made = new List<(long, long)>();
        for (var i = 0; i < count; i++)
        {
            var household = await Json(await committee.SendAsync(Send(Api("/households"), new { gridId = grid, code = $"检查-{Guid.NewGuid():N}"[..12] })));
            var id = household.GetProperty("householdId").GetInt64();
            var account = 0L;
            if (withAccount)
            {
                account = (await Json(await committee.SendAsync(Send(Api("/accounts"), new { kind = "household", ownerId = id }))))
                    .GetProperty("accountId").GetInt64();
            }
            made.Add((id, account));
        }
        return made.ToArray();
    }

    private object Batch(long grid, params (long Household, string Grade)[] grades) => new
    {
        gridId = grid,
        ruleCode = "waste_sorting",
        period = Period,
        grades = grades.Select(g => new { householdId = g.Household, grade = g.Grade, note = (string?)null }).ToArray(),
    };

    private async Task<long> CountAsync(string sql, object args)
    {
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    private Task<long> EntriesAsync(long account) => CountAsync(
        "SELECT COUNT(*) FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id WHERE p.account_id = @account AND t.rule_code = 'waste_sorting'",
        new { account });

    [Test]
    public async Task ABatchOfThree_PostsThreeAwards_WithTheGradesPoints_InThatMonthsAggregates()
    {
        var hh = await HouseholdsAsync(_grid1, 3);
        using var inspector = await _app.ClientAsAsync("inspector");

        var response = await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "良"), (hh[2].Household, "差"))));
        var body = await Json(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var posted = body.GetProperty("transactions").EnumerateArray().ToList();
        Assert.That(posted.Select(t => t.GetProperty("points").GetInt64()), Is.EqualTo(new long[] { 10, 6, 0 }));
        Assert.That(posted.Select(t => t.GetProperty("householdId").GetInt64()), Is.EqualTo(hh.Select(h => h.Household)));
        Assert.That(posted[0].GetProperty("explanation").GetString(), Does.Contain("优").And.Contain("+10"));
        Assert.That(posted.All(t => !t.GetProperty("replayed").GetBoolean()));
        var lastDay = new DateOnly(LastMonth.Year, LastMonth.Month, 1).AddMonths(1).AddDays(-1);
        Assert.That(body.GetProperty("effectiveDate").GetString(), Is.EqualTo(lastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        Assert.That(await CountAsync("SELECT SUM(earned) FROM monthly_aggregates WHERE account_id = @a AND month = @m AND category = 'hygiene'",
            new { a = hh[0].Account, m = Period }), Is.EqualTo(10));
        Assert.That(await CountAsync("SELECT SUM(earned) FROM monthly_aggregates WHERE account_id = @a AND month = @m AND category = 'hygiene'",
            new { a = hh[1].Account, m = Period }), Is.EqualTo(6));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = @k",
            new { k = $"inspection-{hh[0].Household}-{Period}-waste_sorting" }), Is.EqualTo(1));
    }

    [Test]
    public async Task OneInvalidHousehold_PostsNothing_AndTheProblemNamesIt()
    {
        var hh = await HouseholdsAsync(_grid1, 2);
        var noAccount = (await HouseholdsAsync(_grid1, 1, withAccount: false))[0].Household;
        var otherGrid = (await HouseholdsAsync(_grid2, 1))[0].Household;
        using var committee = await _app.ClientAsAsync("committee");

        foreach (var (bad, code) in new[] { (noAccount, "inspection_household_no_account"), (otherGrid, "inspection_household_not_in_grid") })
        {
            var response = await committee.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (bad, "良"), (hh[1].Household, "中"))));
            var problem = await Json(response);
            Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo(code), problem.ToString());
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain($"household {bad}"));
        }
        var unknownGrade = await committee.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "特优"))));
        var refused = await Json(unknownGrade);
        Assert.That(unknownGrade.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), refused.ToString());
        Assert.That(refused.GetProperty("detail").GetString(), Does.Contain($"household {hh[1].Household}"));

        Assert.That(await EntriesAsync(hh[0].Account), Is.Zero);
        Assert.That(await EntriesAsync(hh[1].Account), Is.Zero);
    }

    [Test]
    public async Task TheSameBatchAgain_PostsNothingNew()
    {
        var hh = await HouseholdsAsync(_grid1, 2);
        using var inspector = await _app.ClientAsAsync("inspector");
        var batch = Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "中"));
        var first = await Json(await inspector.SendAsync(Send(Api("/inspections"), batch, "same-batch-" + hh[0].Household)));
        var seqs = first.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("seq").GetInt64()).ToList();

        // The same Idempotency-Key replays the stored answer; another key finds the derived ledger keys taken.
        var sameKey = await inspector.SendAsync(Send(Api("/inspections"), batch, "same-batch-" + hh[0].Household));
        var otherKey = await inspector.SendAsync(Send(Api("/inspections"), batch));
        var again = await Json(otherKey);

        Assert.That(sameKey.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Json(sameKey)).GetProperty("replayed").GetBoolean(), Is.True);
        Assert.That(otherKey.StatusCode, Is.EqualTo(HttpStatusCode.OK), again.ToString());
        Assert.That(again.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("seq").GetInt64()), Is.EqualTo(seqs));
        Assert.That(again.GetProperty("transactions").EnumerateArray().All(t => t.GetProperty("replayed").GetBoolean()));
        Assert.That(await EntriesAsync(hh[0].Account), Is.EqualTo(1));
        Assert.That(await EntriesAsync(hh[1].Account), Is.EqualTo(1));
    }

    [Test]
    public async Task ASecondGrading_IsRefused_UntilTheFirstIsCorrected()
    {
        var hh = await HouseholdsAsync(_grid1, 2);
        using var inspector = await _app.ClientAsAsync("inspector");
        using var committee = await _app.ClientAsAsync("committee");
        var first = await Json(await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "良"), (hh[1].Household, "良")))));
        var seq = first.GetProperty("transactions")[0].GetProperty("seq").GetInt64();

        var regrade = await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "良"))));
        var problem = await Json(regrade);
        Assert.That(regrade.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), problem.ToString());
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("inspection_already_graded"));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain($"household {hh[0].Household}"));

        // Graded otherwise (an award by the rule with a client key) counts too: the rule's once-a-month limit refuses.
        var day = new DateOnly(LastMonth.Year, LastMonth.Month, 10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var extra = (await HouseholdsAsync(_grid1, 1))[0];
        await committee.SendAsync(Send(Api("/awards"), new { accountId = extra.Account, ruleCode = "waste_sorting", facts = new { grade = "中" }, occurredOn = day }));
        var twice = await Json(await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (extra.Household, "优")))));
        Assert.That(twice.GetProperty("code").GetString(), Is.EqualTo("inspection_household_refused"), twice.ToString());

        var reversal = await committee.SendAsync(Send(Api($"/transactions/{seq}/reversal"), new { reason = "评错了，重新评定" }));
        Assert.That(reversal.StatusCode, Is.EqualTo(HttpStatusCode.Created), await reversal.Content.ReadAsStringAsync());

        var after = await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "良"))));
        var body = await Json(after);
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var posted = body.GetProperty("transactions").EnumerateArray().ToList();
        Assert.That(posted[0].GetProperty("replayed").GetBoolean(), Is.False);
        Assert.That(posted[0].GetProperty("points").GetInt64(), Is.EqualTo(10));
        Assert.That(posted[1].GetProperty("replayed").GetBoolean(), Is.True);
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = @k",
            new { k = $"inspection-{hh[0].Household}-{Period}-waste_sorting-r1" }), Is.EqualTo(1));
        var balance = await committee.GetFromJsonAsync<JsonElement>(Api($"/accounts/{hh[0].Account}/balance"));
        Assert.That(balance.GetProperty("balance").GetInt64(), Is.EqualTo(10), "良 6 corrected away, 优 10 posted");
    }

    private Task<string> CodeAsync(long household) => ScalarAsync<string>("SELECT code FROM households WHERE id = @household", new { household });

    private async Task<T> ScalarAsync<T>(string sql, object args)
    {
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    [Test]
    public async Task ARegradingOfSeveralHouseholds_IsRefusedWhole_NamingEachByItsCode()
    {
        var hh = await HouseholdsAsync(_grid1, 3);
        using var inspector = await _app.ClientAsAsync("inspector");
        var first = await Json(await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "良")))));
        var seqs = first.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("seq").GetInt64()).ToList();

        // Two households graded on the first day, graded otherwise on the second, beside one not graded yet.
        var response = await inspector.SendAsync(Send(Api("/inspections"),
            Batch(_grid1, (hh[0].Household, "中"), (hh[2].Household, "优"), (hh[1].Household, "差"))));
        var problem = await Json(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), problem.ToString());
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("inspection_already_graded"));
        var codes = new[] { await CodeAsync(hh[0].Household), await CodeAsync(hh[1].Household) };
        var detail = problem.GetProperty("detail").GetString();
        Assert.That(detail, Does.Contain($"household {hh[0].Household} ({codes[0]}) '优' (entry {seqs[0]})"));
        Assert.That(detail, Does.Contain($"household {hh[1].Household} ({codes[1]}) '良' (entry {seqs[1]})"));
        Assert.That(detail, Does.Not.Contain($"household {hh[2].Household}"), "the household not graded yet is not named");
        var named = problem.GetProperty("households").EnumerateArray().ToList();
        Assert.That(named.Select(h => h.GetProperty("householdCode").GetString()), Is.EqualTo(codes));
        Assert.That(named.Select(h => h.GetProperty("householdId").GetInt64()), Is.EqualTo(new[] { hh[0].Household, hh[1].Household }));
        Assert.That(named.Select(h => h.GetProperty("grade").GetString()), Is.EqualTo(new[] { "优", "良" }));
        Assert.That(named.Select(h => h.GetProperty("seq").GetInt64()), Is.EqualTo(seqs));

        Assert.That(await EntriesAsync(hh[2].Account), Is.Zero, "all or nothing: the new household was not posted either");
        Assert.That(await EntriesAsync(hh[0].Account), Is.EqualTo(1));
        Assert.That(await EntriesAsync(hh[1].Account), Is.EqualTo(1));
    }

    [Test]
    public async Task TheGridsGradingsForTheMonth_AreWhatTheLedgerHolds_LessCorrectedOnes()
    {
        var hh = await HouseholdsAsync(_grid1, 4);
        using var inspector = await _app.ClientAsAsync("inspector");
        using var committee = await _app.ClientAsAsync("committee");
        var first = await Json(await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[0].Household, "优"), (hh[1].Household, "良")))));
        var corrected = first.GetProperty("transactions")[1].GetProperty("seq").GetInt64();
        var reversal = await committee.SendAsync(Send(Api($"/transactions/{corrected}/reversal"), new { reason = "评错了" }));
        Assert.That(reversal.StatusCode, Is.EqualTo(HttpStatusCode.Created), await reversal.Content.ReadAsStringAsync());
        // Graded otherwise: an award by the rule on the account page, in the month.
        var day = new DateOnly(LastMonth.Year, LastMonth.Month, 10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var award = await committee.SendAsync(Send(Api("/awards"), new { accountId = hh[2].Account, ruleCode = "waste_sorting", facts = new { grade = "中" }, occurredOn = day }));
        Assert.That(award.StatusCode, Is.EqualTo(HttpStatusCode.Created), await award.Content.ReadAsStringAsync());

        var mine = hh.Select(h => h.Household).ToHashSet();
        var found = (await GradingsAsync(_grid1, Period)).Where(g => mine.Contains(g.HouseholdId)).ToList();

        Assert.That(found, Has.Count.EqualTo(2), string.Join("; ", found));
        var graded = found.Single(g => g.HouseholdId == hh[0].Household);
        Assert.That((graded.Grade, graded.Points, graded.ByInspection, graded.AccountId, graded.HouseholdCode),
            Is.EqualTo(("优", 10L, true, hh[0].Account, await CodeAsync(hh[0].Household))));
        Assert.That(graded.Seq, Is.EqualTo(first.GetProperty("transactions")[0].GetProperty("seq").GetInt64()));
        var otherwise = found.Single(g => g.HouseholdId == hh[2].Household);
        Assert.That((otherwise.Grade, otherwise.Points, otherwise.ByInspection), Is.EqualTo(("中", 3L, false)));
        Assert.That((await GradingsAsync(_grid1, LastMonth.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture)))
            .Where(g => mine.Contains(g.HouseholdId)), Is.Empty, "another month has none of them");

        // Graded again after the correction: the new grading (key …-r1) is the one listed.
        var again = await Json(await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid1, (hh[1].Household, "优")))));
        var regraded = (await GradingsAsync(_grid1, Period)).Single(g => g.HouseholdId == hh[1].Household);
        Assert.That((regraded.Grade, regraded.ByInspection, regraded.Seq),
            Is.EqualTo(("优", true, again.GetProperty("transactions")[0].GetProperty("seq").GetInt64())));
    }

    private async Task<IReadOnlyList<PointsBank.Features.Inspections.InspectionGrading>> GradingsAsync(long grid, string period) =>
        (await HouseholdGradingsAsync(grid, period)).SelectMany(h => h.Entries).ToList();

    private async Task<IReadOnlyList<PointsBank.Features.Inspections.HouseholdGradings>> HouseholdGradingsAsync(long grid, string period,
        string rule = "waste_sorting")
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<PointsBank.Identity.CallerContext>().Current = PointsBank.Identity.Caller.Cli("inspection-test");
        var found = await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>()
            .Send(new PointsBank.Features.Inspections.ListInspectionGradings(_community, grid, rule, period));
        Assert.That(found.Succeeded, Is.True, found.Failure?.ToString());
        return found.Value!;
    }

    // A graded hygiene rule that may be recorded twice a month: a household with one entry is below its limit.
    private static readonly PointsBank.Rules.RuleDefinition TwiceAMonth = new("test_hygiene_twice", "测试卫生检查（每月两次）",
        "Test hygiene check (twice a month)", PointsBank.Ledger.Categories.Hygiene,
        PointsBank.Rules.RuleFormula.Graded(new("优", "excellent", 10), new("差", "poor", 0)),
        new PointsBank.Rules.RuleLimits(MaxPerMonth: 2), ["committee", "inspector"]);

    [Test]
    public async Task AHousehold_IsDone_AtTheRulesMonthlyLimit_ByAwardsOtherThanAnInspection_AndNotBelowIt()
    {
        await TestRules.EnsureAsync(_app.Services, _community, TwiceAMonth);
        var hh = await HouseholdsAsync(_grid1, 4);
        using var committee = await _app.ClientAsAsync("committee");
        using var inspector = await _app.ClientAsAsync("inspector");
        async Task AwardAsync(long account, string rule, int day)
        {
            var on = new DateOnly(LastMonth.Year, LastMonth.Month, day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var award = await committee.SendAsync(Send(Api("/awards"), new { accountId = account, ruleCode = rule, facts = new { grade = "优" }, occurredOn = on }));
            Assert.That(award.StatusCode, Is.EqualTo(HttpStatusCode.Created), await award.Content.ReadAsStringAsync());
        }
        await AwardAsync(hh[0].Account, TwiceAMonth.Code, 10);
        await AwardAsync(hh[0].Account, TwiceAMonth.Code, 11); // at the limit: two of two
        await AwardAsync(hh[1].Account, TwiceAMonth.Code, 10); // below it: one of two
        await AwardAsync(hh[2].Account, "waste_sorting", 10);  // at the once-a-month limit of waste_sorting
        await AwardAsync(hh[3].Account, TwiceAMonth.Code, 12); // one entry, graded below by an inspection too

        var batch = await inspector.SendAsync(Send(Api("/inspections"), new
        {
            gridId = _grid1, ruleCode = TwiceAMonth.Code, period = Period, grades = new[] { new { householdId = hh[3].Household, grade = "差" } },
        }));
        Assert.That(batch.StatusCode, Is.EqualTo(HttpStatusCode.OK), await batch.Content.ReadAsStringAsync());

        var twice = (await HouseholdGradingsAsync(_grid1, Period, TwiceAMonth.Code)).ToDictionary(h => h.HouseholdId);
        Assert.That((twice[hh[0].Household].Done, twice[hh[0].Household].Entries.Count), Is.EqualTo((true, 2)), "at the monthly limit");
        Assert.That(twice[hh[0].Household].Grading?.Seq, Is.EqualTo(twice[hh[0].Household].Entries.Min(e => e.Seq)), "the first entry shows");
        Assert.That((twice[hh[1].Household].Done, twice[hh[1].Household].Entries.Count, twice[hh[1].Household].Grading),
            Is.EqualTo((false, 1, (PointsBank.Features.Inspections.InspectionGrading?)null)), "below the monthly limit");
        Assert.That((twice[hh[3].Household].Done, twice[hh[3].Household].Grading?.ByInspection, twice[hh[3].Household].Grading?.Grade),
            Is.EqualTo((true, (bool?)true, "差")), "graded by an inspection, below the limit: done, the inspection's grading shows");
        Assert.That(twice.ContainsKey(hh[2].Household), Is.False, "another rule's entry is not this rule's");
        var waste = (await HouseholdGradingsAsync(_grid1, Period)).Single(h => h.HouseholdId == hh[2].Household);
        Assert.That((waste.Done, waste.Grading?.ByInspection), Is.EqualTo((true, (bool?)false)), "waste_sorting allows one a month");

        // The batch agrees with the answer: the household at the limit is refused (nothing posted), the one below is graded.
        var refused = await inspector.SendAsync(Send(Api("/inspections"), new
        {
            gridId = _grid1, ruleCode = TwiceAMonth.Code, period = Period, grades = new[] { new { householdId = hh[0].Household, grade = "优" } },
        }));
        Assert.That((await Json(refused)).GetProperty("code").GetString(), Is.EqualTo("inspection_household_refused"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id WHERE p.account_id = @account",
            new { account = hh[0].Account }), Is.EqualTo(2), "nothing posted for the refused household");
        var graded = await inspector.SendAsync(Send(Api("/inspections"), new
        {
            gridId = _grid1, ruleCode = TwiceAMonth.Code, period = Period, grades = new[] { new { householdId = hh[1].Household, grade = "优" } },
        }));
        Assert.That(graded.StatusCode, Is.EqualTo(HttpStatusCode.OK), await graded.Content.ReadAsStringAsync());
        Assert.That((await HouseholdGradingsAsync(_grid1, Period, TwiceAMonth.Code)).Single(h => h.HouseholdId == hh[1].Household).Done, Is.True);
    }

    [Test]
    public async Task AnInspectorOutsideTheirGrid_IsForbidden()
    {
        var other = await HouseholdsAsync(_grid2, 1);
        using var inspector = await _app.ClientAsAsync("inspector");

        var response = await inspector.SendAsync(Send(Api("/inspections"), Batch(_grid2, (other[0].Household, "优"))));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await EntriesAsync(other[0].Account), Is.Zero);
    }

    [Test]
    public async Task TheCurrentMonth_TakesEffectToday_AndAFutureMonthIsRefused()
    {
        var hh = await HouseholdsAsync(_grid1, 1);
        using var inspector = await _app.ClientAsAsync("inspector");
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        object Of(DateOnly month) => new
        {
            gridId = _grid1, ruleCode = "waste_sorting", period = month.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            grades = new[] { new { householdId = hh[0].Household, grade = "优" } },
        };

        var future = await Json(await inspector.SendAsync(Send(Api("/inspections"), Of(today.AddMonths(1)))));
        var now = await Json(await inspector.SendAsync(Send(Api("/inspections"), Of(today))));

        Assert.That(future.GetProperty("code").GetString(), Is.EqualTo("inspection_period_in_future"));
        Assert.That(now.GetProperty("effectiveDate").GetString(), Is.EqualTo(today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), now.ToString());
    }
}

[TestFixture]
public sealed class SqliteRecordInspectionsTests() : RecordInspectionsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRecordInspectionsTests() : RecordInspectionsTests(DatabaseProvider.SqlServer);
