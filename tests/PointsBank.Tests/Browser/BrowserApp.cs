using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The real host on Kestrel at a free loopback port, so a real browser can reach it: a fresh SQLite file, Development
/// (so the demo village and its users are seeded), sign-in rate limits out of the way.
/// </summary>
public sealed class BrowserApp : WebApplicationFactory<Program>
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"browser-{Guid.NewGuid():N}.db");

    private readonly TimeProvider _clock;

    /// <param name="clock">A clock the test moves (<c>FakeClock</c>); the system clock when omitted.</param>
    public BrowserApp(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        UseKestrel(0);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:PointsBank", $"Data Source={_file}");
        builder.UseSetting("RateLimits:SignInPerMinute", "10000");
        builder.UseSetting("Backup:Enabled", "false");
        builder.UseSetting("RateLimits:PublicPerMinute", "10000");
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(_clock));
    }

    /// <summary>Starts the server and returns its address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Start()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1").TrimEnd('/') + "/");
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
