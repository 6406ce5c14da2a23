using PointsBank.Data;
using PointsBank.Demo;

namespace PointsBank.Infrastructure;

internal static class Startup
{
    /// <summary>Applies pending schema scripts and, in Development with an empty database, seeds the demo village.</summary>
    public static async Task PrepareDatabaseAsync(WebApplication app)
    {
        var options = app.Services.GetRequiredService<DatabaseOptions>();
        var report = await app.Services.GetRequiredService<Migrator>().MigrateAsync(apply: options.MigrateOnStartup);
        if (report.Applied.Count > 0)
        {
            app.Logger.LogInformation("Applied schema scripts {Scripts}", string.Join(", ", report.Applied));
        }
        if (!app.Environment.IsDevelopment() || !app.Configuration.GetValue("Demo:Seed", true))
        {
            return;
        }
        using var scope = app.Services.CreateScope();
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
        if (!await seeder.IsEmptyAsync(CancellationToken.None))
        {
            return;
        }
        var demo = await seeder.SeedAsync(CancellationToken.None);
        var url = app.Configuration["Urls"]?.Split(';')[0] ?? "http://localhost:5080";
        app.Logger.LogWarning(
            """
            Seeded the demo community {Name} (id {Community}) with {Transactions} transactions. Look at:
              {Url}/health/ready
              {Url}/api/v1/communities/{Community}/accounts/{Account}/balance      (household {Household})
              {Url}/api/v1/communities/{Community}/accounts/{Account}/history
              {Url}/openapi/v1.json
            Writes need the header X-Api-Key: {ApiKey} (Development only; set Security:ApiKey elsewhere).
            """,
            demo.CommunityName, demo.CommunityId, demo.Transactions, url, url, demo.CommunityId, demo.SampleAccountId, demo.SampleHousehold,
            url, demo.CommunityId, demo.SampleAccountId, url, app.Configuration["Security:ApiKey"]);
    }
}
