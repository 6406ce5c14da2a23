using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Browser;

/// <summary>
/// The real host on Kestrel at a free loopback port, so a real browser can reach it: a fresh database on either engine
/// exactly as <see cref="AppFactory"/> has it (<see cref="HostDatabase"/>: a SQLite file, or on SQL Server a scratch
/// database dropped at dispose), Development (so the demo village and its users are seeded), sign-in rate limits out
/// of the way.
/// </summary>
public sealed class BrowserApp : WebApplicationFactory<Program>
{
    private readonly HostDatabase _database;
    private readonly TimeProvider? _clock;

    /// <param name="provider">The engine; ignores the calling fixture (with the reason) when it is not configured here.</param>
    /// <param name="clock">A clock the test moves (<c>FakeClock</c>); the system clock when omitted.</param>
    public BrowserApp(DatabaseProvider provider, TimeProvider? clock = null)
    {
        _database = HostDatabase.Create(provider, "browser");
        _clock = clock;
        UseKestrel(0);
    }

    public DatabaseProvider Provider => _database.Provider;

    protected override void ConfigureWebHost(IWebHostBuilder builder) => _database.Configure(builder, _clock);

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
        await _database.DropAsync();
    }
}
