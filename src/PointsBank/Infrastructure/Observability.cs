using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Prometheus;
using PointsBank.Ledger;

namespace PointsBank.Infrastructure;

/// <summary>
/// The service's metrics (docs/operations.md lists them): postings by kind, refusals by problem code, job runs with
/// their outcome and lag, and request durations. One registry per host (so the tests' hosts do not count each other's
/// work), exported on <c>/metrics</c> in the Prometheus text format. Every hot-path update is a lookup of a cached
/// child and an interlocked add: no allocation once a label combination has been seen.
/// </summary>
public sealed class PointsBankMetrics : ILedgerObserver
{
    private static readonly TransactionKind[] Kinds = Enum.GetValues<TransactionKind>();

    private readonly Counter.Child[] _postings;
    private readonly Counter _refusals;
    private readonly ConcurrentDictionary<string, Counter.Child> _refusalsByCode = new(StringComparer.Ordinal);
    private readonly Counter _jobRuns;
    private readonly Counter _jobItems;
    private readonly Gauge _jobLag;
    private readonly Gauge _jobLastSuccess;
    private readonly Histogram _jobDuration;
    private readonly Histogram _requests;
    private readonly ConcurrentDictionary<(string Method, string Route, int Status), Histogram.Child> _requestsByKey = new();

    public PointsBankMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        var postings = factory.CreateCounter("pointsbank_postings_total",
            "Ledger transactions committed, by kind (award, deduct, redeem, reverse, expire, adjust); replays are not counted.", "kind");
        _postings = Kinds.Select(kind => postings.WithLabels(kind.ToDb())).ToArray();
        _refusals = factory.CreateCounter("pointsbank_refusals_total",
            "Requests refused with a problem code (a failed outcome, a validation failure, a missing sign-in or role), by code.", "code");
        _jobRuns = factory.CreateCounter("pointsbank_job_runs_total", "Background job runs, by job and outcome (ok, failed).", "job", "outcome");
        _jobItems = factory.CreateCounter("pointsbank_job_items_total", "Things background jobs did (holds released, backups taken, …), by job.", "job");
        _jobLag = factory.CreateGauge("pointsbank_job_lag_seconds",
            "How much later than its schedule (its previous start plus Jobs:IntervalSeconds) the job's latest run started.", "job");
        _jobLastSuccess = factory.CreateGauge("pointsbank_job_last_success_timestamp_seconds",
            "Unix time at which the job last finished without an error.", "job");
        _jobDuration = factory.CreateHistogram("pointsbank_job_duration_seconds", "How long one job run took, by job.", ["job"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 4, 8) });
        _requests = factory.CreateHistogram("pointsbank_http_request_duration_seconds",
            "HTTP requests by method, route pattern and status, with their duration.", ["method", "route", "status"],
            new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Transactions a unit of work committed, counted per kind (indexed by <see cref="TransactionKind"/>).</summary>
    public void Posted(ReadOnlySpan<int> perKind)
    {
        for (var i = 0; i < perKind.Length && i < _postings.Length; i++)
        {
            if (perKind[i] > 0)
            {
                _postings[i].Inc(perKind[i]);
            }
        }
    }

    public void Refused(string code) =>
        _refusalsByCode.GetOrAdd(code, static (c, counter) => counter.WithLabels(c), _refusals).Inc();

    public void JobRan(string job, bool succeeded, int items, TimeSpan duration)
    {
        _jobRuns.WithLabels(job, succeeded ? "ok" : "failed").Inc();
        _jobDuration.WithLabels(job).Observe(duration.TotalSeconds);
        if (items > 0)
        {
            _jobItems.WithLabels(job).Inc(items);
        }
        if (succeeded)
        {
            _jobLastSuccess.WithLabels(job).SetToCurrentTimeUtc();
        }
    }

    public void JobLag(string job, TimeSpan lag) => _jobLag.WithLabels(job).Set(Math.Max(0, lag.TotalSeconds));

    public void Request(string method, string route, int status, TimeSpan duration) =>
        _requestsByKey.GetOrAdd((method, route, status), static (key, histogram) =>
                histogram.WithLabels(key.Method, key.Route, key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)), _requests)
            .Observe(duration.TotalSeconds);
}

/// <summary>The problem code a response carries, noted by <see cref="Problems.Result(HttpContext,string,string?,IDictionary{string,object?}?)"/> for the request log.</summary>
public sealed class ProblemCodeFeature(string code)
{
    public string Code => code;
}

/// <summary>Bound from the <c>Metrics</c> section: who may read <c>/metrics</c>.</summary>
public sealed class MetricsOptions
{
    /// <summary>Map <c>/metrics</c> at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Callers on this machine (loopback) may read it: a Prometheus or a curl on the server itself.</summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>Networks (CIDR, e.g. <c>192.168.1.0/24</c>) whose callers may read it without a token.</summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>A secret that a caller from anywhere may present as <c>Authorization: Bearer …</c>; empty means none.</summary>
    public string? Token { get; set; }
}

public static class Observability
{
    /// <summary>The log category of the one line per HTTP request.</summary>
    public const string RequestLogCategory = "PointsBank.Requests";

    /// <summary>Notes a response's problem code for the request log (allocates on refusals only).</summary>
    public static void NoteProblem(HttpContext context, string code) => context.Features.Set(new ProblemCodeFeature(code));

    /// <summary>
    /// One structured line per HTTP request (method, route pattern, status, problem code, milliseconds) and its duration
    /// in the metrics. The route is the endpoint's pattern (<c>/c/{token}</c>), never the path, so a card's token or a
    /// query string never reaches the log. Put it first, so it sees the status the exception handler gives.
    /// </summary>
    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<PointsBankMetrics>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(RequestLogCategory);
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var failed = true;
            try
            {
                await next(context);
                failed = false;
            }
            finally
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(none)";
                var method = Method(context.Request.Method);
                metrics.Request(method, route, status, elapsed);
                var level = status >= 500 ? LogLevel.Error : LogLevel.Information;
                if (logger.IsEnabled(level))
                {
                    RequestLogged(logger, level, method, route, status, context.Features.Get<ProblemCodeFeature>()?.Code ?? "", elapsed.TotalMilliseconds);
                }
            }
        });
    }

    private static readonly Action<ILogger, string, string, int, double, string, Exception?> RequestInformation =
        LoggerMessage.Define<string, string, int, double, string>(LogLevel.Information, new EventId(1, "Request"),
            "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms {Code}");

    private static readonly Action<ILogger, string, string, int, double, string, Exception?> RequestError =
        LoggerMessage.Define<string, string, int, double, string>(LogLevel.Error, new EventId(1, "Request"),
            "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms {Code}");

    private static void RequestLogged(ILogger logger, LogLevel level, string method, string route, int status, string code, double ms) =>
        (level == LogLevel.Error ? RequestError : RequestInformation)(logger, method, route, status, ms, code, null);

    // A method label from a fixed set, so a client sending made-up methods cannot grow the metrics without bound.
    private static string Method(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => "GET",
        _ when HttpMethods.IsPost(method) => "POST",
        _ when HttpMethods.IsPut(method) => "PUT",
        _ when HttpMethods.IsPatch(method) => "PATCH",
        _ when HttpMethods.IsDelete(method) => "DELETE",
        _ when HttpMethods.IsHead(method) => "HEAD",
        _ when HttpMethods.IsOptions(method) => "OPTIONS",
        _ => "OTHER",
    };

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format, for the callers <see cref="MetricsOptions"/> admits (this
    /// machine, the configured networks, or the configured token); anyone else gets a 404, as if there were none.
    /// </summary>
    public static void MapMetrics(this IEndpointRouteBuilder routes, IConfiguration configuration)
    {
        var options = new MetricsOptions();
        configuration.GetSection("Metrics").Bind(options);
        if (!options.Enabled)
        {
            return;
        }
        var networks = options.AllowedNetworks.Select(IPNetwork.Parse).ToArray();
        routes.MapGet("/metrics", async (HttpContext http, PointsBankMetrics metrics, CancellationToken ct) =>
        {
            if (!MayReadMetrics(options, networks, http.Connection.RemoteIpAddress, http.Request.Headers.Authorization))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            http.Response.Headers.CacheControl = "no-store";
            await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, ct);
        }).PublicEndpoint().ExcludeFromDescription();
    }

    /// <summary>The rule for <c>/metrics</c>: loopback (unless turned off), an allowed network, or the token.</summary>
    public static bool MayReadMetrics(MetricsOptions options, IReadOnlyList<IPNetwork> networks, IPAddress? remote, string? authorization)
    {
        if (remote is not null)
        {
            if (remote.IsIPv4MappedToIPv6)
            {
                remote = remote.MapToIPv4();
            }
            if (options.AllowLoopback && IPAddress.IsLoopback(remote))
            {
                return true;
            }
            foreach (var network in networks)
            {
                if (network.Contains(remote))
                {
                    return true;
                }
            }
        }
        if (string.IsNullOrEmpty(options.Token) || authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(options.Token)));
    }
}
