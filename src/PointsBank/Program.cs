using System.Text.Json.Serialization;
using PointsBank.Cli;
using PointsBank.Demo;
using PointsBank.Features.Audit;
using PointsBank.Features.Auth;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Features.Communities;
using PointsBank.Features.Health;
using PointsBank.Features.Inspections;
using PointsBank.Features.Redemption;
using PointsBank.Features.Points;
using PointsBank.Features.Rankings;
using PointsBank.Features.Policy;
using PointsBank.Features.Reports;
using PointsBank.Features.Rules;
using PointsBank.Features.Shops;
using PointsBank.Features.Township;
using PointsBank.Features.Users;
using PointsBank.Features.Volunteers;
using PointsBank.Infrastructure;
using PointsBank.Jobs;

// Help, and a mistyped verb, are answered before any host is built: nothing listens, no database is opened.
if (Verbs.AnswerWithoutHost(args) is { } answered)
{
    return answered;
}

// The package serves its wwwroot from beside the executable (Hosting.Options); a build from the working folder.
// No watching of the content root for configuration changes: the watcher covers every folder under it, the data folder
// included, and woke on every database write (issue 12). An operator's own --hostBuilder:reloadConfigOnChange wins.
var builder = WebApplication.CreateBuilder(Hosting.Options(["--hostBuilder:reloadConfigOnChange=false", .. args]));

// One data folder (PointsBank:DataFolder; the package's default is outside the program folder) holds the database,
// the keys and the backups, unless their own settings say otherwise. Under a service manager, run as its service.
var dataFolder = builder.Configuration.ApplyDataFolder();
builder.Services.AddServiceManagers();

// Where to listen follows the standard settings (ASPNETCORE_URLS, --urls, Kestrel:Endpoints, ASPNETCORE_HTTP_PORTS);
// with none of them, a village office gets the documented http://localhost:5080 rather than Kestrel's 5000.
if (new[] { "urls", "http_ports", "https_ports" }.All(key => string.IsNullOrEmpty(builder.Configuration[key]))
    && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
{
    builder.WebHost.UseUrls("http://localhost:5080");
}

// Storage, ledger, identity and the MediatR pipeline: the same for the web host, the CLI verbs and the tests.
// Data-protection keys (sign-in cookies, sealed card tokens) live in the database; an older installation's key folder
// (DataProtection:KeysPath, default data/keys) is imported once at start-up.
builder.Services.AddPointsBank(ServiceSetup.ReadDatabaseOptions(builder.Configuration), builder.Configuration["DataProtection:KeysPath"]);
builder.Services.AddTransient<DemoSeeder>();
builder.Services.Configure<RedemptionOptions>(builder.Configuration.GetSection("Redemption"));

// Background jobs (release expired holds, …): a timer in the service, and `jobs run NAME` for one run by hand.
builder.Services.AddJobs(builder.Configuration);

// Who is calling: cookie sign-in for pages, bearer tokens for the API.
builder.Services.AddPointsBankAuthentication();

// HTTP conventions: problem details everywhere, camelCase JSON with string enums, OpenAPI, limits, pages.
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
// Bodies say exactly what they mean: a member the request does not have is refused (not dropped), and numbers are
// JSON numbers (the web defaults would take "5" and "+5").
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
});
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddPointsBankOpenApi();
builder.Services.AddPointsBankRateLimits();
builder.Services.AddRazorPages(o =>
{
    o.Conventions.AuthorizeFolder("/");
    o.Conventions.Add(new PointsBank.Pages.PageAccessConvention());
});
builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 1024 * 1024);

var app = builder.Build();

if (Verbs.IsVerb(args))
{
    return await Verbs.RunAsync(app.Services, args);
}

await Startup.PrepareDatabaseAsync(app);

// One structured log line and a duration per request (docs/operations.md); first, to see the final status.
app.UseRequestLog();
app.UseExceptionHandler();
// Bare framework statuses (no route, wrong method, 401/403, 429): problem details with a code for the API, a page for people.
app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages(Problems.StatusCodeProblemAsync));
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"), pages => pages.UseStatusCodePagesWithReExecute("/status/{0}"));
app.UseSecurityHeaders();
app.UseStaticFiles();
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseCaller();
app.UseAuthorization();

app.MapHealth();
app.MapAuth();
app.MapUsers();
app.MapCommunities();
app.MapPoints();
app.MapPolicy();
app.MapRules();
app.MapClaims();
app.MapInspections();
app.MapReports();
app.MapShopCatalogue();
app.MapRedemption();
app.MapCards();
app.MapRankings();
app.MapVolunteers();
app.MapAudit();
app.MapMetrics(app.Configuration);
app.MapTownship();
app.MapRazorPages();
app.MapOpenApi().PublicEndpoint();

app.Logger.LogInformation("PointsBank {Version}: data folder {DataFolder}", Hosting.Version, Path.GetFullPath(dataFolder));
await app.RunAsync();
return 0;

public partial class Program;
