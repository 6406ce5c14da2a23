using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;

namespace PointsBank.Tests.Support;

/// <summary>
/// The real host (Program) over a fresh database, in Development with the demo seed: a SQLite file, or on SQL Server
/// (POINTSBANK_SQLSERVER) a scratch database of its own (<see cref="SqlServerScratch"/>), since the seed's community
/// and users have fixed names — both set up by <see cref="HostDatabase"/>. Dropped when the factory is disposed.
/// </summary>
public sealed class AppFactory : WebApplicationFactory<Program>
{
    public const string DemoPasswordSuffix = "-demo-2026";

    private readonly HostDatabase _database;
    private readonly bool _owns = true;
    private readonly TimeProvider? _clock;

    /// <summary>A fresh SQLite database; <paramref name="clock"/> replaces the system clock when given.</summary>
    public AppFactory(TimeProvider? clock = null)
    {
        _database = HostDatabase.Sqlite("app");
        _clock = clock;
    }

    /// <summary>
    /// A fresh database on <paramref name="provider"/>; ignores the calling fixture (with the reason) when that engine
    /// is not configured here.
    /// </summary>
    public AppFactory(DatabaseProvider provider, TimeProvider? clock = null)
    {
        _database = HostDatabase.Create(provider, "app");
        _clock = clock;
    }

    /// <summary>A second app instance on the same database as <paramref name="first"/> (which owns it).</summary>
    public AppFactory(AppFactory first)
    {
        _database = first._database;
        _owns = false;
        _clock = first._clock;
    }

    public string DatabaseFile => _database.File;

    public DatabaseProvider Provider => _database.Provider;

    protected override void ConfigureWebHost(IWebHostBuilder builder) => _database.Configure(builder, _clock);

    private readonly Dictionary<string, string> _tokens = [];

    /// <summary>A client signed in as a demo user (committee, inspector, …) with a bearer token.</summary>
    public async Task<HttpClient> ClientAsAsync(string username)
    {
        if (!_tokens.TryGetValue(username, out var token))
        {
            using var anonymous = CreateClient();
            var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = username + DemoPasswordSuffix, name = "tests" });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            _tokens[username] = token;
        }
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>One value read from the app's database (the host starts on first use).</summary>
    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = await Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args) ?? throw new InvalidOperationException($"no value: {sql}");
    }

    /// <summary>The seeded demo community.</summary>
    /// <summary>The antiforgery token of a page's form, to post it back as the browser would.</summary>
    public static string Antiforgery(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;

    /// <summary>A client signed in to the pages (cookie) as a demo user, following no redirects so tests see them.</summary>
    public async Task<HttpClient> PageClientAsync(string username)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.GetStringAsync("/login");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = username, ["Password"] = username + DemoPasswordSuffix, ["__RequestVerificationToken"] = Antiforgery(login),
        });
        var signedIn = await client.PostAsync("/login", form);
        if (signedIn.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in as {username} failed: {(int)signedIn.StatusCode}");
        }
        return client;
    }

    public Task<long> DemoCommunityAsync() => ScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_owns)
        {
            await _database.DropAsync();
        }
    }
}
