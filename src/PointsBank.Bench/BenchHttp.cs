using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Bench;

/// <summary>
/// (h): the service itself — <c>Program</c> with its whole pipeline, in the Production environment (no demo seed) —
/// listening with Kestrel on 127.0.0.1, and one <see cref="HttpClient"/> over real TCP sending
/// <c>POST /api/v1/communities/{id}/awards</c> one after another, each with a bearer token and its own
/// <c>Idempotency-Key</c>, as a counter PC would. The host writes into the bench's own SQLite file (its own data
/// source, same pragmas), so (h) and the ledger's single commits (d) share one file, WAL and disk.
/// Its community, households, accounts, user and token are made through the app's own requests, as an operator at
/// the command line would make them.
/// </summary>
internal sealed class BenchHttp : IAsyncDisposable
{
    private const string Username = "bench-committee";

    private readonly ServiceHost _host;
    private readonly HttpClient _client;
    private readonly string _awards;

    private BenchHttp(ServiceHost host, HttpClient client, long communityId, long[] accounts)
    {
        _host = host;
        _client = client;
        _awards = $"/api/v1/communities/{communityId}/awards";
        Accounts = accounts;
        CommunityId = communityId;
    }

    public long[] Accounts { get; }

    public long CommunityId { get; }

    /// <summary>The signed-in client (the committee's bearer token) over real TCP, for the counter part (i).</summary>
    public HttpClient Client => _client;

    public Uri Address => _client.BaseAddress!;

    public static async Task<BenchHttp> StartAsync(string databasePath, string keysPath, int accounts, CancellationToken ct)
    {
        var host = new ServiceHost($"Data Source={databasePath}", keysPath);
        try
        {
            host.UseKestrel();
            host.StartServer();
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var (communityId, accountIds, token) = await SetUpAsync(host.Services, accounts, ct);
            var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
            {
                BaseAddress = new Uri(address),
            };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var http = new BenchHttp(host, client, communityId, accountIds);
            await http.AdoptRulesAsync(ct);
            return http;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>A community "bench-http" with its households and accounts, and a committee user with a token, made with the app's own requests.</summary>
    private static async Task<(long Community, long[] Accounts, string Token)> SetUpAsync(IServiceProvider services, int accounts,
        CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("bench");
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var community = Succeeded(await mediator.Send(new CreateCommunity("bench-http", "基准村丁"), ct)).CommunityId;
        var ids = new long[accounts];
        for (var i = 0; i < accounts; i++)
        {
            var household = Succeeded(await mediator.Send(new AddHousehold(community, null, $"{1 + i / 100}组-{i % 100 + 1:D2}"), ct));
            ids[i] = Succeeded(await mediator.Send(new OpenAccount(community, "household", household.HouseholdId), ct)).AccountId;
        }
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Succeeded(await mediator.Send(new AddCommunityUser(community, Username, "基准两委", password, "committee"), ct));
        var token = Succeeded(await mediator.Send(new IssueTokenFor(Username, "bench", 1), ct)).Token;
        return (community, ids, token);
    }

    private static T Succeeded<T>(Outcome<T> outcome) => outcome.Succeeded
        ? outcome.Value!
        : throw new InvalidOperationException($"bench set-up refused: {outcome.Failure!.Code} {outcome.Failure.Detail}");

    /// <summary>The service's commits (SQLite's commit hook on its own data source): one fsync of the WAL each.</summary>
    public long Commits => ((PointsBank.Data.SqliteDataSource)_host.Services.GetRequiredService<System.Data.Common.DbDataSource>()).Commits;

    /// <summary>The service's write queue (group commit).</summary>
    public PointsBank.Data.WriteQueue Queue => _host.Services.GetRequiredService<PointsBank.Ledger.PointsLedger>().Queue!;

    /// <summary>The rule of the community's catalogue that a benchmark deed is awarded by.</summary>
    public static string RuleCode(int deed) => "bench_" + BenchWorkload.Deeds[deed].RuleCode.ToLowerInvariant().Replace('-', '_');

    /// <summary>
    /// One fixed-points rule per benchmark deed (no limits), adopted by the committee through <c>POST …/rules</c>: awards
    /// go by rule, as API.md has them, so each pays for the rule's look-up and evaluation.
    /// </summary>
    private async Task AdoptRulesAsync(CancellationToken ct)
    {
        for (var d = 0; d < BenchWorkload.Deeds.Length; d++)
        {
            var deed = BenchWorkload.Deeds[d];
            await AddRuleAsync(RuleCode(d), deed.Reason.Split(" / ")[0], deed.Category, deed.Points, ct);
        }
    }

    /// <summary>Adds a fixed-points rule to the community's catalogue, recorded by the committee, without limits.</summary>
    public async Task AddRuleAsync(string code, string nameZh, string category, long points, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new
        {
            rule = new { code, nameZh, nameEn = "Benchmark deed", category, formula = new { kind = "fixed", points }, recordedBy = new[] { "committee" } },
            adoption = new { meeting = "基准测试", adoptedOn = DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd"), note = "基准" },
        });
        using var response = await _client.PostAsync($"/api/v1/communities/{CommunityId}/rules", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"bench set-up refused a rule: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>The request bodies, made before any timing: the client's share of the work is sending, not serializing.</summary>
    public string[] Bodies(ReadOnlySpan<BenchItem> items)
    {
        var bodies = new string[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            bodies[i] = JsonSerializer.Serialize(new { accountId = Accounts[items[i].Account], ruleCode = RuleCode(items[i].Deed) });
        }
        return bodies;
    }

    /// <summary>One award; anything but 201 Created (a refusal, a replay) stops the run.</summary>
    public async Task AwardAsync(string body, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _awards)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await _client.SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"the service refused a benchmark award: {(int)response.StatusCode} {answer}");
        }
    }

    /// <summary>
    /// (h0): an exchange that does nothing — <c>GET /health/live</c>, anonymous, no database — over the same client and
    /// connection: what any request costs before the service does anything with it.
    /// </summary>
    public async Task PingAsync(CancellationToken ct)
    {
        using var response = await _client.GetAsync("/health/live", ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the service's liveness check failed: {(int)response.StatusCode} {answer}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    /// <summary>
    /// The service's own entry point and configuration (its appsettings.json, Production), with only the database, the
    /// key folder and the listening address (a free port on 127.0.0.1) set here, as an operator would set them.
    /// </summary>
    private sealed class ServiceHost(string connectionString, string keysPath) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // WebApplicationFactory finds the service's folder (src/PointsBank) in this manifest, but looks for it in the
            // current directory, which is the bin folder under dotnet test and not under dotnet run.
            var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(
                File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json")))!;
            builder.UseContentRoot(manifest[typeof(Program).Assembly.FullName!]);
            builder.UseEnvironment("Production");
            builder.UseSetting("Urls", "http://127.0.0.1:0");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:PointsBank", connectionString);
            builder.UseSetting("DataProtection:KeysPath", keysPath);
            // No background jobs (the daily backup among them) writing or copying the file in the middle of a measurement.
            builder.UseSetting("Jobs:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
            // Keys are written unencrypted to a temporary folder that the run deletes: say nothing about it.
            builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.DataProtection", "Error");
        }
    }
}
