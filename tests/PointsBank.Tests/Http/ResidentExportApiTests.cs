using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Http;

/// <summary>
/// The resident export through the real host: the committee gets the documented JSON shape and the printable page
/// (with the 下载 JSON link and the print button, linked from 花名册); the inspector and the shopkeeper are refused on
/// both.
/// </summary>
[TestFixture]
public abstract class ResidentExportApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _resident;

    [OneTimeSetUp]
    public async Task AResident()
    {
        _app = new AppFactory(Provider);
        _community = await _app.DemoCommunityAsync();
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("export-test");
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var household = (await mediator.Send(new AddHousehold(_community, null, "导出-01", "导出路 1 号"))).Value!.HouseholdId;
        _resident = (await mediator.Send(new AddResident(_community, household, "上官婉儿", "13612345678"))).Value!.ResidentId;
    }

    [OneTimeTearDown]
    public async Task Stop() => await _app.DisposeAsync();

    private string Api => $"/api/v1/communities/{_community}/residents/{_resident}/export";

    [Test]
    public async Task TheCommittee_GetsTheDocumentedShape()
    {
        using var committee = await _app.ClientAsAsync("committee");
        using var response = await committee.GetAsync(Api);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(json.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
            { "format", "exportedAt", "exportedBy", "communityId", "resident", "household", "grid", "changes", "accounts", "claims", "volunteer" }));
        Assert.That(json.GetProperty("format").GetString(), Is.EqualTo("pointsbank.resident-export.v1"));
        Assert.That(json.GetProperty("resident").GetProperty("fullName").GetString(), Is.EqualTo("上官婉儿"));
        Assert.That(json.GetProperty("household").GetProperty("code").GetString(), Is.EqualTo("导出-01"));
        Assert.That(json.GetProperty("volunteer").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("inspector")]
    [TestCase("shopkeeper")]
    public async Task OtherRoles_AreRefused(string username)
    {
        using var client = await _app.ClientAsAsync(username);
        using var response = await client.GetAsync(Api);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("上官婉儿"));
    }

    [Test]
    public async Task ThePage_PrintsTheExport_WithTheJsonLink_AndRefusesOthers()
    {
        using var committee = await _app.PageClientAsync("committee");
        var roster = await committee.GetStringAsync($"/roster/{_community}");
        Assert.That(roster, Does.Contain("data-testid=\"export\""), "花名册 leads to the export");
        using var redirect = await committee.GetAsync($"/roster/{_community}?handler=Export&residentId={_resident}");
        Assert.That(redirect.Headers.Location?.OriginalString, Is.EqualTo($"/roster/{_community}/residents/{_resident}/export"));

        var html = WebUtility.HtmlDecode(await committee.GetStringAsync($"/roster/{_community}/residents/{_resident}/export"));
        Assert.That(html, Does.Contain("个人信息导出").And.Contain("上官婉儿").And.Contain("13612345678").And.Contain("导出-01"));
        Assert.That(html, Does.Contain($"href=\"{Api}\"").And.Contain("下载 JSON").And.Contain("data-print"));

        using var inspector = await _app.PageClientAsync("inspector");
        var refused = WebUtility.HtmlDecode(await inspector.GetStringAsync($"/roster/{_community}/residents/{_resident}/export"));
        Assert.That(refused, Does.Contain("role=\"alert\"").And.Not.Contain("上官婉儿").And.Not.Contain("13612345678"));
    }
}

[TestFixture]
public sealed class SqliteResidentExportApiTests() : ResidentExportApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerResidentExportApiTests() : ResidentExportApiTests(DatabaseProvider.SqlServer);
