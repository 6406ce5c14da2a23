using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Communities;

/// <summary>The roster management API through the real host, over the demo community and its demo users.</summary>
public abstract class CommunityApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _inspectorGrid;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        await using var connection = await _app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        _community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        _inspectorGrid = await connection.ExecuteScalarAsync<long>(
            "SELECT r.grid_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'inspector'");
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    [Test]
    public async Task Household_IsCreatedReadReplacedAndDeactivated_AndItsHistoryListed()
    {
        using var client = await _app.ClientAsAsync("committee");
        var code = $"api-{Guid.NewGuid():N}"[..16];

        var created = await client.PostAsJsonAsync(Api("/households"), new { gridId = _inspectorGrid, code, address = "示范路 1 号" });
        var location = created.Headers.Location!.ToString();
        var id = (await Json(created)).GetProperty("householdId").GetInt64();
        var read = await client.GetFromJsonAsync<JsonElement>(location);
        var replaced = await client.PutAsJsonAsync(location, new { gridId = (long?)null, code, address = "新村路 2 号" });
        var deactivated = await client.PostAsync($"{location}/deactivate", null);
        var history = await client.GetFromJsonAsync<JsonElement>(Api($"/changes?entity=household&entityId={id}"));

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(location, Is.EqualTo(Api($"/households/{id}")));
        Assert.That(read.GetProperty("code").GetString(), Is.EqualTo(code));
        Assert.That(read.GetProperty("gridId").GetInt64(), Is.EqualTo(_inspectorGrid));
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Json(replaced)).GetProperty("gridId").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That((await Json(deactivated)).GetProperty("isActive").GetBoolean(), Is.False);
        var changes = history.GetProperty("items").EnumerateArray().ToList();
        Assert.That(changes.Select(c => c.GetProperty("change").GetString()), Is.EqualTo(new[] { "deactivate", "update", "create" }));
        Assert.That(changes[1].GetProperty("before").GetProperty("address").GetString(), Is.EqualTo("示范路 1 号"));
        Assert.That(changes[1].GetProperty("after").GetProperty("address").GetString(), Is.EqualTo("新村路 2 号"));
        Assert.That(changes[1].GetProperty("actor").GetString(), Is.EqualTo("user:committee"));
    }

    [Test]
    public async Task Residents_AreMaskedForTheInspector_AndShownInFullToTheCommittee()
    {
        using var inspector = await _app.ClientAsAsync("inspector");
        using var committee = await _app.ClientAsAsync("committee");
        var query = Api($"/residents?gridId={_inspectorGrid}&pageSize=100");

        var masked = (await inspector.GetFromJsonAsync<JsonElement>(query)).GetProperty("items").EnumerateArray().ToList();
        var full = (await committee.GetFromJsonAsync<JsonElement>(query)).GetProperty("items").EnumerateArray().ToList();
        var wholeCommunity = await inspector.GetAsync(Api("/residents"));

        Assert.That(masked, Is.Not.Empty);
        Assert.That(masked.Select(r => r.GetProperty("phone").ValueKind), Has.All.EqualTo(JsonValueKind.Null));
        Assert.That(masked.Select(r => r.GetProperty("fullName").GetString()), Has.All.Contains("*"));
        Assert.That(masked.Select(r => r.GetProperty("nameMasked").GetBoolean()), Has.All.True);
        Assert.That(full.Select(r => r.GetProperty("phone").GetString()), Has.All.StartsWith("138"));
        Assert.That(full.Select(r => r.GetProperty("fullName").GetString()), Has.None.Contains("*"));
        Assert.That(wholeCommunity.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the demo inspector is limited to one grid");
    }

    [Test]
    public async Task Refusals_AreProblemDetailsWithStableCodes()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var reviewer = await _app.ClientAsAsync("reviewer");
        var code = $"dup-{Guid.NewGuid():N}"[..16];
        await committee.PostAsJsonAsync(Api("/households"), new { code });

        var duplicate = await committee.PostAsJsonAsync(Api("/households"), new { code });
        var tooBig = await committee.GetAsync(Api("/households?pageSize=101"));
        var forbidden = await reviewer.PostAsJsonAsync(Api("/households"), new { code = code + "x" });
        var missing = await committee.PutAsJsonAsync(Api("/grids/999999999"), new { name = "x" });
        var committeeEditsCommunity = await committee.PutAsJsonAsync(Api(""), new { name = "x", timeZone = "Asia/Shanghai", accountMode = "household", penaltyPolicy = "cap" });

        Assert.That((duplicate.StatusCode, Code(await Json(duplicate))), Is.EqualTo((HttpStatusCode.Conflict, "household_code_exists")));
        Assert.That((tooBig.StatusCode, Code(await Json(tooBig))), Is.EqualTo((HttpStatusCode.BadRequest, "validation_failed")));
        Assert.That((await Json(tooBig)).GetProperty("errors").TryGetProperty("pageSize", out _), Is.True);
        Assert.That((forbidden.StatusCode, Code(await Json(forbidden))), Is.EqualTo((HttpStatusCode.Forbidden, "forbidden")));
        Assert.That((missing.StatusCode, Code(await Json(missing))), Is.EqualTo((HttpStatusCode.NotFound, "grid_not_found")));
        Assert.That(committeeEditsCommunity.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Community_IsReadByItsRoles_AndReplacedByAnAdmin()
    {
        using var admin = await _app.ClientAsAsync("admin");
        using var organizer = await _app.ClientAsAsync("organizer");
        var before = await organizer.GetFromJsonAsync<JsonElement>(Api(""));

        var replaced = await admin.PutAsJsonAsync(Api(""), new
        {
            name = before.GetProperty("name").GetString(),
            timeZone = "Asia/Shanghai",
            accountMode = before.GetProperty("accountMode").GetString(),
            penaltyPolicy = "allow_negative",
        });

        Assert.That(before.GetProperty("code").GetString(), Is.EqualTo("demo"));
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Json(replaced)).GetProperty("penaltyPolicy").GetString(), Is.EqualTo("allow_negative"));
    }

    [Test]
    public async Task OpenApiDocument_ListsTheRosterRoutes()
    {
        using var client = _app.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/v1/communities/{communityId}", "/api/v1/communities/{communityId}/deactivate",
            "/api/v1/communities/{communityId}/grids", "/api/v1/communities/{communityId}/grids/{gridId}/reactivate",
            "/api/v1/communities/{communityId}/households/{householdId}", "/api/v1/communities/{communityId}/residents/{residentId}",
            "/api/v1/communities/{communityId}/shops/{shopId}/deactivate", "/api/v1/communities/{communityId}/changes",
        }));
    }
}

[TestFixture]
public sealed class SqliteCommunityApiTests() : CommunityApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCommunityApiTests() : CommunityApiTests(DatabaseProvider.SqlServer);
