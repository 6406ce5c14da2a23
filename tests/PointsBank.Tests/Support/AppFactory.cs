using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace PointsBank.Tests.Support;

/// <summary>The real host (Program) over a fresh SQLite file, in Development with the demo seed.</summary>
public sealed class AppFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-api-key";

    private readonly string _file = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"app-{Guid.NewGuid():N}.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:PointsBank", $"Data Source={_file}");
        builder.UseSetting("Security:ApiKey", ApiKey);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(TimeProvider.System));
    }

    public HttpClient Writer()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var path in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            File.Delete(path);
        }
    }
}
