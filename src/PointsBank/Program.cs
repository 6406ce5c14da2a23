using System.Text.Json.Serialization;
using PointsBank.Cli;
using PointsBank.Data;
using PointsBank.Demo;
using PointsBank.Features.Health;
using PointsBank.Features.Points;
using PointsBank.Infrastructure;

var builder = WebApplication.CreateBuilder(args);

// Storage, ledger and the MediatR pipeline: the same for the web host, the CLI verbs and the tests.
builder.Services.AddPointsBank(ServiceSetup.ReadDatabaseOptions(builder.Configuration));
builder.Services.AddTransient<DemoSeeder>();

// HTTP conventions: problem details everywhere, camelCase JSON with string enums, an OpenAPI document.
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddOpenApi();
builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 1024 * 1024);

var app = builder.Build();

if (Verbs.IsVerb(args))
{
    return await Verbs.RunAsync(app.Services, args);
}

await Startup.PrepareDatabaseAsync(app);

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapHealth();
app.MapPoints();
app.MapOpenApi();

await app.RunAsync();
return 0;

public partial class Program;
