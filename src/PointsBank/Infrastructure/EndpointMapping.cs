using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace PointsBank.Infrastructure;

/// <summary>
/// What a command's success looks like over HTTP: 200 with the value (the default), or 201 with a Location built
/// from a template whose <c>{placeholders}</c> are the endpoint's route values or properties of the created resource.
/// A value that is an <see cref="IReplayable{TResource}"/> answers 200 with <c>Idempotent-Replayed: true</c> when it
/// is the replay of an earlier request with the same Idempotency-Key.
/// </summary>
public sealed class Reply
{
    private Reply(string? location) => Location = location;

    internal string? Location { get; }

    public static Reply Ok { get; } = new(null);

    public static Reply Created(string location) => new(location);
}

/// <summary>
/// An answer that can say it is a replay of an earlier one: the unit of work marks a stored answer so when it replays
/// it, and the edge then answers 200 with <c>Idempotent-Replayed: true</c>.
/// </summary>
public interface IReplayable
{
    bool Replayed { get; }

    /// <summary>The same answer, marked as a replay.</summary>
    object AsReplayed();
}

/// <summary>
/// A replayable answer that may be an existing resource answered again because nothing needed making (e.g. a ranking
/// published again with nothing changed): the edge answers 200 instead of 201, without <c>Idempotent-Replayed</c>.
/// </summary>
public interface IMaybeUnchanged
{
    bool Unchanged { get; }
}

/// <summary>A created resource that may be the stored answer to an earlier request with the same Idempotency-Key.</summary>
public interface IReplayable<out TResource> : IReplayable
{
    TResource Resource { get; }
}

/// <summary>
/// The one way an HTTP endpoint is mapped: it names its request type once. The request record is bound straight
/// from the HTTP request, sent through <see cref="IMediator"/>, and its <see cref="Outcome{T}"/> is translated to
/// the HTTP result; the endpoint carries <see cref="EndpointAccessExtensions.Sends{TRequest}"/> metadata.
/// <list type="bullet">
/// <item><see cref="MapQuery{TRequest}"/>: GET, the request's parameters from the route and the query string.</item>
/// <item><see cref="MapCommand{TRequest}"/>: POST (or PUT, DELETE); members named like a route value come from the
/// route, <see cref="IIdempotent.IdempotencyKey"/> from the header (sent once), everything else from the JSON body.
/// Members filled from the route or header must be <c>[property: JsonIgnore]</c> so a body cannot set them (the app
/// refuses to start otherwise); a request with no other member takes no body.</item>
/// </list>
/// </summary>
public static partial class EndpointMapping
{
    public static RouteHandlerBuilder MapQuery<TRequest>(this IEndpointRouteBuilder routes, string pattern) =>
        Close<RouteHandlerBuilder>(nameof(MapQueryOf), typeof(TRequest), routes, pattern);

    /// <summary>
    /// A GET like <see cref="MapQuery{TRequest}"/> whose answer is also a download: JSON by default, CSV (UTF-8 with a
    /// byte-order mark, for Excel) with <c>?format=csv</c>, an .xlsx workbook of the same table with <c>?format=xlsx</c>.
    /// The answer type implements <see cref="ICsvReport"/>.
    /// </summary>
    public static RouteHandlerBuilder MapReport<TRequest>(this IEndpointRouteBuilder routes, string pattern) =>
        Close<RouteHandlerBuilder>(nameof(MapReportOf), typeof(TRequest), routes, pattern);

    /// <param name="defaults">Fills what the body left out, where the request record itself cannot say (e.g. a
    /// default in the middle of its parameters).</param>
    public static RouteHandlerBuilder MapCommand<TRequest>(this IEndpointRouteBuilder routes, string pattern, Reply? reply = null,
        string? method = null, Func<TRequest, TRequest>? defaults = null) =>
        Close<RouteHandlerBuilder>(nameof(MapCommandOf), typeof(TRequest), routes, pattern, reply ?? Reply.Ok, method ?? HttpMethods.Post,
            new RequestBinder<TRequest>(defaults));

    // The response type T is read from the request's IRequest<Outcome<T>>, so call sites name only the request.
    private static TResult Close<TResult>(string method, Type request, params object[] arguments)
    {
        var value = request.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequest<>))
            .Select(i => i.GetGenericArguments()[0])
            .SingleOrDefault(r => r.IsGenericType && r.GetGenericTypeDefinition() == typeof(Outcome<>))
            ?? throw new InvalidOperationException($"{request.Name} is not an IRequest<Outcome<T>>");
        var generic = typeof(EndpointMapping).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!;
        try
        {
            return (TResult)generic.MakeGenericMethod(request, value.GetGenericArguments()[0]).Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static RouteHandlerBuilder MapQueryOf<TRequest, T>(IEndpointRouteBuilder routes, string pattern)
        where TRequest : IRequest<Outcome<T>> =>
        (typeof(TRequest).GetConstructors().Single().GetParameters().Length == 0
            ? routes.MapGet(pattern, async Task<Results<Ok<T>, ProblemHttpResult>> (IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(Activator.CreateInstance<TRequest>(), ct)))
            : routes.MapGet(pattern, async Task<Results<Ok<T>, ProblemHttpResult>> ([AsParameters] TRequest request, IMediator sender,
                HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(request, ct))))
        .Sends<TRequest>();

    private static RouteHandlerBuilder MapReportOf<TRequest, T>(IEndpointRouteBuilder routes, string pattern)
        where TRequest : IRequest<Outcome<T>> =>
        routes.MapGet(pattern, async Task<IResult> ([AsParameters] TRequest request, string? format, IMediator sender, HttpContext http,
                CancellationToken ct) =>
            {
                if (format is not (null or "json" or "csv" or "xlsx"))
                {
                    return Problems.Result(http, new Failure("validation_failed", "format is json (the default), csv or xlsx"));
                }
                var outcome = await sender.Send(request, ct);
                if (!outcome.Succeeded)
                {
                    return Problems.Result(http, outcome.Failure!);
                }
                return (format, outcome.Value) switch
                {
                    ("csv", ICsvReport report) => CsvFiles.Result(report.ToCsv()),
                    ("xlsx", ICsvReport report) => CsvFiles.XlsxResult(report.ToCsv()),
                    _ => TypedResults.Ok(outcome.Value),
                };
            })
            .Produces<T>(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces(StatusCodes.Status200OK, contentType: CsvFiles.XlsxContentType)
            .Sends<TRequest>();

    private static RouteHandlerBuilder MapCommandOf<TRequest, T>(IEndpointRouteBuilder routes, string pattern, Reply reply, string method,
        RequestBinder<TRequest> binder) where TRequest : IRequest<Outcome<T>>
    {
        var replayable = typeof(T).GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReplayable<>));
        RouteHandlerBuilder builder;
        if (reply.Location is null)
        {
            builder = routes.MapMethods(pattern, [method], async Task<Results<Ok<T>, ProblemHttpResult>> (HttpContext http, IMediator sender,
                CancellationToken ct) => Problems.Reply(http, await sender.Send(await binder.BindAsync(http, ct), ct)));
        }
        else if (replayable is null)
        {
            builder = routes.MapMethods(pattern, [method], async Task<Results<Created<T>, ProblemHttpResult>> (HttpContext http,
                IMediator sender, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(await binder.BindAsync(http, ct), ct), value => Locate(http, reply.Location, value)));
        }
        else
        {
            builder = (RouteHandlerBuilder)typeof(EndpointMapping).GetMethod(nameof(MapReplayableOf), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeof(TRequest), typeof(T), replayable.GetGenericArguments()[0])
                .Invoke(null, [routes, pattern, method, binder, reply.Location])!;
        }
        builder.Sends<TRequest>().Finally(endpoint => binder.Prepare(endpoint, reply.Location, replayable?.GetGenericArguments()[0] ?? typeof(T)));
        return builder;
    }

    // 201 for a new resource; 200 with Idempotent-Replayed for a replay of the same key and payload.
    private static RouteHandlerBuilder MapReplayableOf<TRequest, T, TResource>(IEndpointRouteBuilder routes, string pattern, string method,
        RequestBinder<TRequest> binder, string location) where TRequest : IRequest<Outcome<T>> where T : IReplayable<TResource> =>
        typeof(IAcceptedInstead).IsAssignableFrom(typeof(T))
            ? MapReplayableOrAcceptedOf<TRequest, T, TResource>(routes, pattern, method, binder, location)
            : routes.MapMethods(pattern, [method], async Task<Results<Created<TResource>, Ok<TResource>, ProblemHttpResult>> (HttpContext http,
                IMediator sender, CancellationToken ct) =>
            {
                var outcome = await sender.Send(await binder.BindAsync(http, ct), ct);
                return outcome.Succeeded ? Replayable<T, TResource>(http, outcome.Value!, location) : Problems.Result(http, outcome.Failure!);
            });

    // As above, or 202 Accepted (replayed or not) when the answer carries something accepted instead of the resource.
    private static RouteHandlerBuilder MapReplayableOrAcceptedOf<TRequest, T, TResource>(IEndpointRouteBuilder routes, string pattern, string method,
        RequestBinder<TRequest> binder, string location) where TRequest : IRequest<Outcome<T>> where T : IReplayable<TResource> =>
        routes.MapMethods(pattern, [method], async Task<Results<Created<TResource>, Ok<TResource>, Accepted<object>, ProblemHttpResult>> (HttpContext http,
            IMediator sender, CancellationToken ct) =>
        {
            var outcome = await sender.Send(await binder.BindAsync(http, ct), ct);
            if (!outcome.Succeeded)
            {
                return Problems.Result(http, outcome.Failure!);
            }
            if (outcome.Value is IAcceptedInstead { Accepted: { } accepted })
            {
                // Nothing created yet (an award that became a claim): 202 with where it waits.
                if (outcome.Value.Replayed)
                {
                    http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
                }
                return TypedResults.Accepted(Locate(http, AcceptedInstead.Location, accepted), accepted);
            }
            return Replayable<T, TResource>(http, outcome.Value!, location).Result switch
            {
                Created<TResource> created => created,
                Ok<TResource> ok => ok,
                var other => throw new InvalidOperationException($"unexpected {other.GetType().Name}"),
            };
        });

    private static Results<Created<TResource>, Ok<TResource>, ProblemHttpResult> Replayable<T, TResource>(HttpContext http, T value, string location)
        where T : IReplayable<TResource>
    {
        var resource = value.Resource;
        if (value.Replayed)
        {
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
            return TypedResults.Ok(resource);
        }
        if (value is IMaybeUnchanged { Unchanged: true })
        {
            return TypedResults.Ok(resource);
        }
        return TypedResults.Created(Locate(http, location, resource), resource);
    }

    /// <summary>Fills a Location template from the route values first, then the resource's properties.</summary>
    internal static string Locate(HttpContext http, string template, object? resource) => Placeholder().Replace(template, match =>
    {
        var name = match.Groups[1].Value;
        var value = http.Request.RouteValues.TryGetValue(name, out var routed) ? routed
            : resource?.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.GetValue(resource);
        return Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
    });

    [GeneratedRegex(@"\{(\w+)\}")]
    internal static partial Regex Placeholder();
}

/// <summary>
/// Builds a command's request record from one HTTP request: the JSON body (with the app's JSON options, so unknown
/// members and numbers in strings are refused), then the route values and the Idempotency-Key header on top.
/// </summary>
internal sealed class RequestBinder<TRequest>(Func<TRequest, TRequest>? defaults)
{
    private static readonly PropertyInfo[] Properties = typeof(TRequest).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0).ToArray();

    private PropertyInfo[] _routed = [];
    private PropertyInfo? _idempotencyKey;
    private bool _readsBody = true;

    /// <summary>
    /// Runs once the endpoint's full route is known (group prefix included): decides which members come from where,
    /// and refuses to start if the body could set a member that the route or header fills, or if the Location names
    /// something neither the route nor the resource has.
    /// </summary>
    public void Prepare(EndpointBuilder endpoint, string? location, Type resource)
    {
        var route = ((RouteEndpointBuilder)endpoint).RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        _routed = Properties.Where(p => route.Contains(p.Name)).ToArray();
        _idempotencyKey = typeof(IIdempotent).IsAssignableFrom(typeof(TRequest)) ? Properties.Single(p => p.Name == nameof(IIdempotent.IdempotencyKey)) : null;
        var fromElsewhere = _routed.Append(_idempotencyKey).OfType<PropertyInfo>().ToList();
        _readsBody = Properties.Except(fromElsewhere).Any(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null);
        if (_readsBody && fromElsewhere.FirstOrDefault(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null) is { } exposed)
        {
            throw new InvalidOperationException(
                $"{typeof(TRequest).Name}.{exposed.Name} comes from the route or a header: mark it [property: JsonIgnore] so the body cannot set it");
        }
        if (_readsBody)
        {
            endpoint.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(TRequest)));
        }
        foreach (Match match in EndpointMapping.Placeholder().Matches(location ?? ""))
        {
            var name = match.Groups[1].Value;
            if (!route.Contains(name) && resource.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is null)
            {
                throw new InvalidOperationException($"the Location of {typeof(TRequest).Name} names {{{name}}}, which is neither a route value nor on {resource.Name}");
            }
        }
    }

    private bool IsFilledElsewhere(string member, JsonSerializerOptions options) =>
        _routed.Append(_idempotencyKey).OfType<PropertyInfo>().Any(p => string.Equals(member,
            options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name,
            options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));

    // A POST with no body at all (Content-Length: 0, or neither a length nor chunks) reads as `{}`: a command whose body
    // members are all optional (cancelling a voucher as staff) needs none, and one with required members gets their
    // validation errors rather than a 415 about a Content-Type nobody sent.
    private static bool HasNoBody(HttpRequest request) =>
        request.ContentLength == 0
        || (request.ContentLength is null && request.ContentType is null
            && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false);

    public async Task<TRequest> BindAsync(HttpContext http, CancellationToken ct)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        TRequest request;
        if (_readsBody && !HasNoBody(http.Request))
        {
            if (!http.Request.HasJsonContentType())
            {
                throw new BadHttpRequestException("the body must be JSON (Content-Type: application/json)", StatusCodes.Status415UnsupportedMediaType);
            }
            try
            {
                // Parsed first, so a member the route or a header fills is refused by name when a body names it
                // (System.Text.Json skips [JsonIgnore] members silently, even when unmapped members are disallowed).
                using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
                if (body.RootElement.ValueKind == JsonValueKind.Object
                    && body.RootElement.EnumerateObject().Select(m => m.Name).FirstOrDefault(m => IsFilledElsewhere(m, options)) is { } name)
                {
                    throw new RequestBodyException("unknown_member", "$." + name, LogText.Escape($"{typeof(TRequest).Name} body sets {name}"));
                }
                request = body.RootElement.Deserialize<TRequest>(options) ?? throw new JsonException("the body is null", "$", null, null);
            }
            catch (JsonException e)
            {
                throw RequestBodyException.From(e, typeof(TRequest), options);
            }
        }
        else
        {
            request = JsonSerializer.Deserialize<TRequest>("{}", options)!;
        }
        foreach (var property in _routed)
        {
            var raw = http.Request.RouteValues[property.Name]?.ToString();
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(request, raw is null ? null : Convert.ChangeType(raw, type, CultureInfo.InvariantCulture));
        }
        if (_idempotencyKey is not null)
        {
            var keys = http.Request.Headers[IdempotencyKeys.Header];
            if (keys.Count > 1)
            {
                throw new IdempotencyKeyRepeatedException();
            }
            _idempotencyKey.SetValue(request, keys.Count == 1 ? keys[0] ?? "" : "");
        }
        return defaults is null ? request : defaults(request);
    }
}

/// <summary>The body is not the JSON the request expects: a member it does not have, or a value of the wrong kind.</summary>
// No inner exception: its message quotes the client's member names unescaped, and the exception handler logs it.
public sealed class RequestBodyException(string code, string? member, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>The JSON path of the offending member, e.g. <c>$.minutes</c>.</summary>
    public string? Member { get; } = member;

    public static RequestBodyException From(JsonException e, Type request, JsonSerializerOptions options)
    {
        // System.Text.Json names the offending member in the path ($.minutes). A top-level member the request does
        // not declare (JsonIgnore'd ones included: the route or a header sets those) is an unknown member; anything
        // else is a malformed body or a value of the wrong kind.
        var path = e.Path ?? "$";
        var top = Regex.Match(path, @"^\$\.([^.\[]+)$");
        var declared = options.GetTypeInfo(request).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = (top.Success && !declared.Contains(top.Groups[1].Value)) || e.Message.Contains("could not be mapped", StringComparison.Ordinal);
        // The message is logged by the exception handler, and the path quotes the client's member names: escaped.
        return new RequestBodyException(unknown ? "unknown_member" : "invalid_request", path,
            LogText.Escape($"{request.Name} body at {path}: {(unknown ? "unknown member" : e.Message)}"));
    }
}

/// <summary>
/// A command's answer that may, instead of the resource it creates, say the request was accepted for later
/// (202 Accepted): an award under a rule that goes through a claim answers the claim, not a transaction.
/// </summary>
public interface IAcceptedInstead
{
    /// <summary>What was accepted instead (null when the resource itself was created).</summary>
    object? Accepted { get; }
}

internal static class AcceptedInstead
{
    /// <summary>Where an accepted claim waits: the community's submitted claims (there is no single-claim route).</summary>
    public const string Location = "/api/v1/communities/{communityId}/claims?status=submitted";
}
