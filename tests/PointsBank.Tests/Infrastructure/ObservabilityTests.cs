using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Infrastructure;

/// <summary>
/// The metrics on <c>/metrics</c> and the one structured log line per request, through the real host: an award moves
/// the posting counter, a refusal the counter of its code, a job run the job counters; who may read the metrics.
/// </summary>
public abstract class ObservabilityTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private const string Token = "metrics-test-token-0123456789";

    private AppFactory _app = null!;
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory = null!;
    private long _community;

    /// <summary>Keeps the structured state of every line logged under <see cref="Observability.RequestLogCategory"/>.</summary>
    private sealed class RequestLines : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, Dictionary<string, object?> Fields, string Text)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => categoryName == Observability.RequestLogCategory ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToDictionary(p => p.Key, p => p.Value) : [];
            Lines.Enqueue((logLevel, fields, formatter(state, exception)));
        }

        public void Dispose()
        {
        }
    }

    private RequestLines _lines = null!;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        _lines = new RequestLines();
        // The demo host with a metrics token and a logger provider that keeps every request line.
        _factory = _app.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Metrics:Token", Token);
            builder.ConfigureLogging(logging => logging.AddProvider(_lines));
        });
        using var warmup = _factory.CreateClient();
        await using var connection = await _factory.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        _community = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT id FROM communities WHERE code = 'demo'");
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        await _factory.DisposeAsync();
        await _app.DisposeAsync();
    }

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private async Task<HttpClient> CommitteeAsync()
    {
        var anonymous = _factory.CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "committee", password = "committee" + AppFactory.DemoPasswordSuffix, name = "metrics" });
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        anonymous.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return anonymous;
    }

    private static HttpRequestMessage Post(string url, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return request;
    }

    /// <summary>Reads /metrics with the token and returns one sample's value (0 when the series is not there yet).</summary>
    private async Task<double> SampleAsync(string series)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var text = await response.Content.ReadAsStringAsync();
        var match = Regex.Match(text, "^" + Regex.Escape(series) + @" (\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private async Task<long> NewAccountAsync(HttpClient client)
    {
        var household = await client.SendAsync(Post(Api("/households"), new { code = $"指标-{Guid.NewGuid():N}"[..12] }));
        var householdId = (await household.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("householdId").GetInt64();
        var account = await client.SendAsync(Post(Api("/accounts"), new { kind = "household", ownerId = householdId }));
        return (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accountId").GetInt64();
    }

    [Test]
    public async Task AnAward_CountsOnePosting_OfKindAward_AndARefusalPostsNone()
    {
        using var client = await CommitteeAsync();
        var account = await NewAccountAsync(client);
        var awardsBefore = await SampleAsync("pointsbank_postings_total{kind=\"award\"}");
        var deductsBefore = await SampleAsync("pointsbank_postings_total{kind=\"deduct\"}");

        var posted = await client.SendAsync(Post(Api("/awards"), new { accountId = account, ruleCode = "waste_sorting", facts = new { grade = "优" } }));
        var refused = await client.SendAsync(Post(Api("/awards"), new { accountId = account, ruleCode = "no_such_rule" }));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Created), await posted.Content.ReadAsStringAsync());
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await SampleAsync("pointsbank_postings_total{kind=\"award\"}"), Is.EqualTo(awardsBefore + 1));
        Assert.That(await SampleAsync("pointsbank_postings_total{kind=\"deduct\"}"), Is.EqualTo(deductsBefore));
    }

    [Test]
    public async Task ARefusal_CountsUnderItsProblemCode()
    {
        using var client = await CommitteeAsync();
        var account = await NewAccountAsync(client);
        var before = await SampleAsync("pointsbank_refusals_total{code=\"rule_not_found\"}");

        var refused = await client.SendAsync(Post(Api("/awards"), new { accountId = account, ruleCode = "no_such_rule" }));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("rule_not_found"));
        Assert.That(await SampleAsync("pointsbank_refusals_total{code=\"rule_not_found\"}"), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task ARefusalPassedOnByAnOuterRequest_CountsOnce()
    {
        // The export reads the resident through GetResident and passes its refusal on: one refused request.
        using var client = await CommitteeAsync();
        var before = await SampleAsync("pointsbank_refusals_total{code=\"resident_not_found\"}");

        var refused = await client.GetAsync(Api("/residents/999999999/export"));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("resident_not_found"));
        Assert.That(await SampleAsync("pointsbank_refusals_total{code=\"resident_not_found\"}"), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task AJobRun_CountsItsRun_AndTheLastSuccess()
    {
        var services = _factory.Services;
        var job = services.GetServices<IJob>().Single(j => j.Name == "release-expired-holds");
        var before = await SampleAsync("pointsbank_job_runs_total{job=\"release-expired-holds\",outcome=\"ok\"}");

        await JobRegistry.RunOnceAsync(services, job, CancellationToken.None);

        Assert.That(await SampleAsync("pointsbank_job_runs_total{job=\"release-expired-holds\",outcome=\"ok\"}"), Is.EqualTo(before + 1));
        Assert.That(await SampleAsync("pointsbank_job_last_success_timestamp_seconds{job=\"release-expired-holds\"}"),
            Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(300));
    }

    [Test]
    public async Task AFailingJob_CountsAsFailed_AndStillThrows()
    {
        var services = _factory.Services;
        var before = await SampleAsync("pointsbank_job_runs_total{job=\"test-broken\",outcome=\"failed\"}");

        Assert.ThrowsAsync<InvalidOperationException>(() => JobRegistry.RunOnceAsync(services, new BrokenJob(), CancellationToken.None));

        Assert.That(await SampleAsync("pointsbank_job_runs_total{job=\"test-broken\",outcome=\"failed\"}"), Is.EqualTo(before + 1));
    }

    private sealed class BrokenJob : IJob
    {
        public string Name => "test-broken";

        public Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct) => throw new InvalidOperationException("broken on purpose");
    }

    [Test]
    public async Task EveryRequest_LogsOneLine_WithRoutePattern_Status_Code_AndDuration_ButNotThePath()
    {
        using var client = await CommitteeAsync();
        var account = await NewAccountAsync(client);
        _lines.Lines.Clear();

        var refused = await client.SendAsync(Post(Api("/awards"), new { accountId = account, ruleCode = "no_such_rule" }));
        var balance = await client.GetAsync(Api($"/accounts/{account}/balance"));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(balance.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var lines = _lines.Lines.ToList();
        Assert.That(lines, Has.Count.EqualTo(2), string.Join("\n", lines.Select(l => l.Text)));
        var award = lines.Single(l => (string)l.Fields["Route"]! == "/api/v1/communities/{communityId:long}/awards");
        Assert.That(award.Fields["Method"], Is.EqualTo("POST"));
        Assert.That(award.Fields["Status"], Is.EqualTo(404));
        Assert.That(award.Fields["Code"], Is.EqualTo("rule_not_found"));
        Assert.That(award.Fields["ElapsedMs"], Is.TypeOf<double>().And.GreaterThan(0));
        var read = lines.Single(l => l != award);
        Assert.That(read.Fields["Route"], Does.EndWith("/accounts/{accountId:long}/balance"));
        Assert.That(read.Fields["Status"], Is.EqualTo(200));
        Assert.That(read.Fields["Code"], Is.EqualTo(""));
        Assert.That(read.Level, Is.EqualTo(LogLevel.Information));
        Assert.That(read.Text, Does.Not.Contain($"/accounts/{account}/"), "the route pattern is logged, never the path");
    }

    [Test]
    public async Task TheMetrics_ShowRequestDurations_ByRoutePattern()
    {
        using var client = await CommitteeAsync();
        var series = "pointsbank_http_request_duration_seconds_count{method=\"GET\",route=\"/health/live\",status=\"200\"}";
        var before = await SampleAsync(series);

        await client.GetAsync("/health/live");

        Assert.That(await SampleAsync(series), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task WithoutTheTokenOrALocalAddress_MetricsAre404_AndAWrongTokenToo()
    {
        using var client = _factory.CreateClient();
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-" + Token);

        var anonymous = await client.GetAsync("/metrics");
        var wrongToken = await client.SendAsync(wrong);

        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(wrongToken.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await anonymous.Content.ReadAsStringAsync(), Does.Not.Contain("pointsbank_"));
    }

    [TestCase("127.0.0.1", true, null, true)]
    [TestCase("::1", true, null, true)]
    [TestCase("::ffff:127.0.0.1", true, null, true)]
    [TestCase("127.0.0.1", false, null, false)]
    [TestCase("192.168.1.40", true, null, true)]
    [TestCase("192.168.2.40", true, null, false)]
    [TestCase("203.0.113.9", true, null, false)]
    [TestCase("203.0.113.9", true, "Bearer s3cret-token", true)]
    [TestCase("203.0.113.9", true, "Bearer s3cret-tokeN", false)]
    [TestCase("203.0.113.9", true, "Basic s3cret-token", false)]
    public void WhoMayReadMetrics(string remote, bool loopback, string? authorization, bool allowed)
    {
        var options = new MetricsOptions { AllowLoopback = loopback, AllowedNetworks = ["192.168.1.0/24"], Token = "s3cret-token" };

        var may = Observability.MayReadMetrics(options, [IPNetwork.Parse("192.168.1.0/24")], IPAddress.Parse(remote), authorization);

        Assert.That(may, Is.EqualTo(allowed));
    }

    [Test]
    public void WithNoTokenConfigured_NoBearerOpensTheMetrics() =>
        Assert.That(Observability.MayReadMetrics(new MetricsOptions(), [], IPAddress.Parse("203.0.113.9"), "Bearer "), Is.False);
}

[TestFixture]
public sealed class SqliteObservabilityTests() : ObservabilityTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerObservabilityTests() : ObservabilityTests(DatabaseProvider.SqlServer);
