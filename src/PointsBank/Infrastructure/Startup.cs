using PointsBank.Data;
using PointsBank.Demo;

namespace PointsBank.Infrastructure;

internal static class Startup
{
    /// <summary>Applies pending schema scripts and, in Development with an empty database, seeds the demo village.</summary>
    public static async Task PrepareDatabaseAsync(WebApplication app)
    {
        var options = app.Services.GetRequiredService<DatabaseOptions>();
        // Held while the service runs, so `restore` refuses to replace this database under it (DatabaseFileLock).
        if (DatabaseFileLock.ForService(options) is { } held)
        {
            app.Lifetime.ApplicationStopped.Register(held.Dispose);
        }
        var report = await app.Services.GetRequiredService<Migrator>().MigrateAsync(apply: options.MigrateOnStartup);
        if (report.Applied.Count > 0)
        {
            app.Logger.LogInformation("Applied schema scripts {Scripts}", string.Join(", ", report.Applied));
        }
        // The data-protection key ring in the database: an older installation's key folder imported once, a key ready.
        await DataProtectionKeys.PrepareAsync(app.Services, CancellationToken.None);
        // Communities made before the rules engine (schema 0004) get the default catalogue, which the committee edits.
        if (options.MigrateOnStartup && await Features.Rules.DefaultCatalogues.AdoptWhereMissingAsync(app.Services, CancellationToken.None) is { Count: > 0 } adopted)
        {
            app.Logger.LogWarning("Gave the default rule catalogue to communities that had none: {Communities}", string.Join(", ", adopted));
        }
        if (!app.Environment.IsDevelopment() || !app.Configuration.GetValue("Demo:Seed", true))
        {
            return;
        }
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<Identity.CallerContext>().Current = Identity.Caller.Cli("demo-seed");
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
              {Url}/                 sign in with a demo user below (Development only)
              {Url}/health/ready
              {Url}/openapi/v1.json
            Demo users (username / password): {Users}
            An API token: curl -X POST {Url}/api/v1/auth/token -H 'Content-Type: application/json' -d '{{"username":"committee","password":"{Password}"}}'
            then: curl {Url}/api/v1/communities/{Community}/accounts/{Account}/balance -H 'Authorization: Bearer pbk_…'   (household {Household})
            The resident's card page of household {Household} (what its printed QR opens; card PIN {Pin}): {CardUrl}
            """,
            demo.CommunityName, demo.CommunityId, demo.Transactions, url, url, url,
            string.Join(", ", demo.Users.Select(u => $"{u.Username} / {u.Password} ({u.Role})")),
            url, demo.Users.First(u => u.Username == "committee").Password, url, demo.CommunityId, demo.SampleAccountId, demo.SampleHousehold,
            demo.SampleHousehold, demo.SampleCardPin, demo.SampleCardUrl);
    }
}
