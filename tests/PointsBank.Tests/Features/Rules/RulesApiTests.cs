using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Rules;

/// <summary>The rule catalogue API through the real host, over the demo community (which got the default catalogue).</summary>
public abstract class RulesApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    private static string NewCode() => $"r{Guid.NewGuid():N}"[..16];

    private static object Rule(string code, long points = 5, string nameZh = "帮助困难居民") => new
    {
        code,
        nameZh,
        nameEn = "Helping needy residents",
        category = "good_deed",
        formula = new { kind = "fixed", points },
        limits = new { capPerMonth = 20, maxPerDay = 1 },
        recordedBy = new[] { "committee", "inspector" },
    };

    private static object Adoption(string meeting = "2026年第3次村民代表大会") => new { meeting, adoptedOn = "2026-03-01", note = "表决通过" };

    private async Task<(long Rules, long Catalogues)> CountsAsync()
    {
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rule_versions"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rule_catalogue_versions"));
    }

    [Test]
    public async Task DefaultCatalogue_IsListedForAnyStaff_AsCatalogueVersion1()
    {
        using var inspector = await _app.ClientAsAsync("inspector");

        var rules = (await inspector.GetFromJsonAsync<JsonElement>(Api("/rules"))).EnumerateArray().ToList();

        var waste = rules.Single(r => r.GetProperty("code").GetString() == "waste_sorting");
        Assert.That(rules.Select(r => r.GetProperty("code").GetString()), Is.SupersetOf(new[]
        {
            "public_labour", "waste_sorting", "frontage_tidy", "lost_property", "mediation", "security_patrol", "volunteer_service",
            "filial_piety_star", "straw_burning", "littering", "public_morals",
        }));
        Assert.That(waste.GetProperty("nameZh").GetString(), Is.EqualTo("垃圾分类月度检查"));
        Assert.That(waste.GetProperty("formula").GetProperty("kind").GetString(), Is.EqualTo("grade"));
        Assert.That(waste.GetProperty("formula").GetProperty("grades")[0].GetProperty("points").GetInt64(), Is.EqualTo(10));
        Assert.That(waste.GetProperty("limits").GetProperty("maxPerMonth").GetInt32(), Is.EqualTo(1));
        var volunteer = rules.Single(r => r.GetProperty("code").GetString() == "volunteer_service");
        Assert.That(volunteer.GetProperty("formula").GetProperty("kind").GetString(), Is.EqualTo("per_hour"));
        var first = rules.Single(r => r.GetProperty("code").GetString() == "straw_burning");
        Assert.That(first.GetProperty("catalogueVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(first.GetProperty("adoption").GetProperty("meeting").GetString(), Is.EqualTo("系统默认细则"));
    }

    [Test]
    public async Task Create_AddsVersion1_WithItsAdoption_AndListsIt()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var code = NewCode();

        var created = await committee.PostAsJsonAsync(Api("/rules"), new { rule = Rule(code), adoption = Adoption() });
        var body = await Json(created);
        var listed = (await committee.GetFromJsonAsync<JsonElement>(Api("/rules"))).EnumerateArray()
            .Single(r => r.GetProperty("code").GetString() == code);

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        Assert.That(created.Headers.Location!.ToString(), Is.EqualTo(Api($"/rules/{code}")));
        Assert.That(body.GetProperty("version").GetInt32(), Is.EqualTo(1));
        Assert.That(body.GetProperty("createdBy").GetString(), Is.EqualTo("user:committee"));
        Assert.That(body.GetProperty("adoption").GetProperty("meeting").GetString(), Is.EqualTo("2026年第3次村民代表大会"));
        Assert.That(body.GetProperty("adoption").GetProperty("adoptedOn").GetString(), Is.EqualTo("2026-03-01"));
        Assert.That(body.GetProperty("catalogueVersion").GetInt32(), Is.GreaterThan(1));
        Assert.That(listed.GetProperty("limits").GetProperty("capPerMonth").GetInt64(), Is.EqualTo(20));
    }

    [Test]
    public async Task NewVersion_BecomesCurrent_AndTheOldOneStaysUnderVersions()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var code = NewCode();
        await committee.PostAsJsonAsync(Api("/rules"), new { rule = Rule(code, points: 5), adoption = Adoption() });

        var revised = await committee.PutAsJsonAsync(Api($"/rules/{code}"),
            new { rule = Rule(code, points: 8, nameZh: "帮助困难群众"), adoption = Adoption("2026年第4次村民代表大会") });
        var current = await committee.GetFromJsonAsync<JsonElement>(Api($"/rules/{code}"));
        var versions = (await committee.GetFromJsonAsync<JsonElement>(Api($"/rules/{code}/versions"))).EnumerateArray().ToList();

        Assert.That(revised.StatusCode, Is.EqualTo(HttpStatusCode.OK), (await Json(revised)).ToString());
        Assert.That(current.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(current.GetProperty("formula").GetProperty("points").GetInt64(), Is.EqualTo(8));
        Assert.That(versions.Select(v => v.GetProperty("version").GetInt32()), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(versions.Select(v => v.GetProperty("nameZh").GetString()), Is.EqualTo(new[] { "帮助困难群众", "帮助困难居民" }));
        Assert.That(versions.Select(v => v.GetProperty("formula").GetProperty("points").GetInt64()), Is.EqualTo(new[] { 8L, 5L }));
        Assert.That(versions.Select(v => v.GetProperty("adoption").GetProperty("meeting").GetString()),
            Is.EqualTo(new[] { "2026年第4次村民代表大会", "2026年第3次村民代表大会" }));
    }

    [Test]
    public async Task Writes_ByAnInspector_AreForbidden_AndWriteNothing()
    {
        using var inspector = await _app.ClientAsAsync("inspector");
        var before = await CountsAsync();

        var created = await inspector.PostAsJsonAsync(Api("/rules"), new { rule = Rule(NewCode()), adoption = Adoption() });
        var revised = await inspector.PutAsJsonAsync(Api("/rules/mediation"), new { rule = Rule("mediation"), adoption = Adoption() });

        Assert.That((created.StatusCode, Code(await Json(created))), Is.EqualTo((HttpStatusCode.Forbidden, "forbidden")));
        Assert.That(revised.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await CountsAsync(), Is.EqualTo(before));
    }

    private static IEnumerable<TestCaseData> InvalidBodies()
    {
        TestCaseData Case(string name, Func<string, object> body, string field) => new TestCaseData(body, field).SetArgDisplayNames(name);
        yield return Case("zero points", c => new { rule = Rule(c, points: 0), adoption = Adoption() }, "rule.formula.points");
        yield return Case("grade table without grades", c => new
        {
            rule = new { code = c, nameZh = "卫生", nameEn = "Hygiene", category = "hygiene", formula = new { kind = "grade" }, recordedBy = new[] { "inspector" } },
            adoption = Adoption(),
        }, "rule.formula.grades");
        yield return Case("unknown category", c => new
        {
            rule = new { code = c, nameZh = "卫生", nameEn = "Hygiene", category = "sports", formula = new { kind = "fixed", points = 1 }, recordedBy = new[] { "inspector" } },
            adoption = Adoption(),
        }, "rule.category");
        yield return Case("discretion without second approval", c => new
        {
            rule = new { code = c, nameZh = "拾金", nameEn = "Lost", category = "good_deed", formula = new { kind = "discretion", minPoints = 5, maxPoints = 10 }, recordedBy = new[] { "committee" } },
            adoption = Adoption(),
        }, "rule.needsSecondApproval");
        yield return Case("no meeting", c => new { rule = Rule(c), adoption = new { meeting = " ", adoptedOn = "2026-03-01" } }, "adoption.meeting");
        yield return Case("no adoption", c => new { rule = Rule(c) }, "adoption");
    }

    [TestCaseSource(nameof(InvalidBodies))]
    public async Task InvalidDefinition_Is400_NamingTheField_AndWritesNothing(Func<string, object> body, string field)
    {
        using var committee = await _app.ClientAsAsync("committee");
        var before = await CountsAsync();

        var response = await committee.PostAsJsonAsync(Api("/rules"), body(NewCode()));
        var problem = await Json(response);

        Assert.That((response.StatusCode, Code(problem)), Is.EqualTo((HttpStatusCode.BadRequest, "validation_failed")), problem.ToString());
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
        Assert.That(await CountsAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Refusals_HaveStableCodes_AndWriteNothing()
    {
        using var committee = await _app.ClientAsAsync("committee");
        var before = await CountsAsync();

        var duplicate = await committee.PostAsJsonAsync(Api("/rules"), new { rule = Rule("mediation"), adoption = Adoption() });
        var unknown = await committee.PutAsJsonAsync(Api("/rules/no_such_rule"), new { rule = Rule("no_such_rule"), adoption = Adoption() });
        var mismatch = await committee.PutAsJsonAsync(Api("/rules/mediation"), new { rule = Rule("littering"), adoption = Adoption() });
        var unknownKind = await committee.PostAsJsonAsync(Api("/rules"), new
        {
            rule = new { code = NewCode(), nameZh = "x", nameEn = "x", category = "good_deed", formula = new { kind = "lottery" }, recordedBy = new[] { "committee" } },
            adoption = Adoption(),
        });
        var missing = await committee.GetAsync(Api("/rules/no_such_rule/versions"));

        Assert.That((duplicate.StatusCode, Code(await Json(duplicate))), Is.EqualTo((HttpStatusCode.Conflict, "rule_exists")));
        Assert.That((unknown.StatusCode, Code(await Json(unknown))), Is.EqualTo((HttpStatusCode.NotFound, "rule_not_found")));
        Assert.That((mismatch.StatusCode, Code(await Json(mismatch))), Is.EqualTo((HttpStatusCode.BadRequest, "validation_failed")));
        Assert.That(unknownKind.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((missing.StatusCode, Code(await Json(missing))), Is.EqualTo((HttpStatusCode.NotFound, "rule_not_found")));
        Assert.That(await CountsAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task RuleVersions_AreAppendOnly_InTheDatabase()
    {
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();

        Assert.That(async () => await connection.ExecuteAsync("UPDATE rule_versions SET definition_json = '{}'"), Throws.InstanceOf<DbException>());
        Assert.That(async () => await connection.ExecuteAsync("DELETE FROM rule_catalogue_versions"), Throws.InstanceOf<DbException>());
    }
}

[TestFixture]
public sealed class SqliteRulesApiTests() : RulesApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRulesApiTests() : RulesApiTests(DatabaseProvider.SqlServer);
