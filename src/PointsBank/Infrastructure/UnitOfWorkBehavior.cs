using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;

namespace PointsBank.Infrastructure;

/// <summary>
/// A write request whose writes must commit whatever its outcome, so it runs outside a unit of work: sign-in counts
/// failed attempts, which a rolled-back unit would forget. Its audit row is written in a transaction of its own.
/// </summary>
public interface IOutsideUnitOfWork;

/// <summary>
/// A write request that may change thousands of rows in its one unit (an import, a batch of a whole grid, a job over
/// every account): on SQLite it does not join the open write group but has it committed first and runs alone, outside
/// a savepoint (<see cref="PointsBank.Data.UnitOfWork.BeginAsync(long?, bool, CancellationToken)"/>).
/// </summary>
public interface IBulkWrite;

/// <summary>
/// Opens the one unit of work of a write request (the only place a transaction is begun for a request): locks the
/// request's community, reads the clock, replays or refuses a used <c>Idempotency-Key</c>, runs the handler, and on
/// success stores the key with the answer and writes the audit row in the same transaction before it commits. A
/// failed outcome or an exception rolls everything back; the audit behaviour then records the failure on its own.
/// </summary>
/// <summary>Set when this scope's answer is the stored answer of an earlier request with the same key (the edge says so).</summary>
public sealed class ReplayedAnswer
{
    public bool Replayed { get; set; }
}

public sealed class UnitOfWorkBehavior<TRequest, TResponse>(UnitOfWork work, CallerContext callers, AuditLog audit, ReplayedAnswer replayed)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        // Reads need no transaction; a request sent from inside another joins the unit already open.
        if (request is IQuery or IOutsideUnitOfWork || work.IsOpen)
        {
            return await next();
        }
        var communityId = (request as ICommunityScoped)?.CommunityId;
        // What depends on the request alone is worked out before the unit begins: on SQLite the unit holds the one
        // writer's turn from BeginAsync to its commit, and every other write waits for it meanwhile.
        var key = request is IIdempotent { IdempotencyKey: { Length: > 0 } sent } ? sent : null;
        var requestHash = key is null ? "" : RequestKeys.Hash(request!);
        var target = AuditLog.Target(request!);
        await work.BeginAsync(communityId, request is IBulkWrite, cancellationToken);
        try
        {
            if (key is not null && await RequestKeys.FindAsync(work, communityId ?? 0, key, cancellationToken) is { } stored)
            {
                if (stored.RequestHash != requestHash)
                {
                    await work.RollbackAsync();
                    return Outcomes.Fail<TResponse>(new Failure("idempotency_conflict",
                        $"Idempotency-Key '{key}' was already used by {stored.RequestName} for a different request"));
                }
                var replay = Outcomes.Succeed<TResponse>(RequestKeys.Answer(stored, Outcomes.ValueType<TResponse>()));
                replayed.Replayed = true;
                await audit.RecordAsync(work, callers.Current, request!, target, "replayed", "", cancellationToken);
                await work.CommitAsync(cancellationToken);
                return replay;
            }

            work.TakeKeptOnFailure();
            var response = await next();
            if (Outcomes.FailureOf(response) is not null)
            {
                await work.RollbackAsync();
                await KeepAfterFailureAsync(communityId, cancellationToken);
                return response;
            }
            work.TakeKeptOnFailure();
            if (key is not null)
            {
                await RequestKeys.StoreAsync(work, communityId ?? 0, key, typeof(TRequest).Name, requestHash, Outcomes.ValueOf(response),
                    cancellationToken);
            }
            await audit.RecordAsync(work, callers.Current, request!, target, "ok", "", cancellationToken);
            await work.CommitAsync(cancellationToken);
            return response;
        }
        finally
        {
            // Still open only when an exception left it so: roll back and drop the connection.
            await work.DisposeAsync();
        }
    }

    // The writes a failed request keeps (a wrong PIN's count): their own short unit on the same community.
    private async Task KeepAfterFailureAsync(long? communityId, CancellationToken ct)
    {
        var kept = work.TakeKeptOnFailure();
        if (kept.Count == 0)
        {
            return;
        }
        await work.BeginAsync(communityId, ct);
        foreach (var (sql, args) in kept)
        {
            await work.ExecuteAsync(sql, args, ct);
        }
        await work.CommitAsync(ct);
    }
}

/// <summary>
/// The stored answers of requests that carried an <c>Idempotency-Key</c> (table <c>request_keys</c>): the same key
/// and request replays the stored answer, another request under the same key is a conflict. Keys are per
/// community (0 outside one).
/// </summary>
public static class RequestKeys
{
    public sealed record Stored(string RequestName, string RequestHash, string ResponseJson);

    private const string Select = """
        SELECT request_name AS RequestName, request_hash AS RequestHash, response_json AS ResponseJson
          FROM request_keys WHERE community_id = @communityId AND idempotency_key = @key
        """;

    private const string Insert = """
        INSERT INTO request_keys (community_id, idempotency_key, request_name, request_hash, response_json, created_at)
        VALUES (@communityId, @key, @requestName, @requestHash, @responseJson, @now)
        """;

    private static readonly JsonSerializerOptions Answers = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // An answer as stored under its key: without its secrets (a card's URL carries the card's token), which a replay
    // answers as null rather than keep them in the clear in request_keys.
    private static readonly JsonSerializerOptions StoredAnswers = new(Answers)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                static info =>
                {
                    foreach (var property in info.Properties)
                    {
                        if (property.AttributeProvider?.IsDefined(typeof(SecretAttribute), true) == true)
                        {
                            property.ShouldSerialize = static (_, _) => false;
                        }
                    }
                },
            },
        },
    };

    // What the caller asked, without the key itself and without secrets: equal requests, equal hashes.
    private static readonly JsonSerializerOptions Requests = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                static info =>
                {
                    foreach (var property in info.Properties)
                    {
                        if (property.Name.Equals(nameof(IIdempotent.IdempotencyKey), StringComparison.OrdinalIgnoreCase)
                            || property.AttributeProvider?.IsDefined(typeof(SecretAttribute), true) == true)
                        {
                            property.ShouldSerialize = static (_, _) => false;
                        }
                    }
                },
            },
        },
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.PropertyInfo[]> RoutedMembers = new();

    public static string Hash(object request)
    {
        // Members the route fills are [JsonIgnore] (so a body cannot set them) but are part of what was asked: the seq
        // a reversal undoes must not let one key replay the reversal of another transaction.
        var routed = RoutedMembers.GetOrAdd(request.GetType(), static type => type
                .GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                .Where(p => p.IsDefined(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), true)
                            && p.Name != nameof(IIdempotent.IdempotencyKey) && !p.IsDefined(typeof(SecretAttribute), true))
                .OrderBy(p => p.Name, StringComparer.Ordinal)
                .ToArray())
            .Select(p => p.Name + "=" + JsonSerializer.Serialize(p.GetValue(request), p.PropertyType, Answers));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            request.GetType().Name + "\n" + JsonSerializer.Serialize(request, request.GetType(), Requests) + "\n" + string.Join("\n", routed))));
    }

    // Both statements run on every write request that carries a key: prepared once per pooled connection.
    public static async Task<Stored?> FindAsync(UnitOfWork work, long communityId, string key, CancellationToken ct)
    {
        await using var reader = await work.Prepared(Select, ("@communityId", communityId), ("@key", key)).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new Stored(reader.GetString(0), reader.GetString(1).Trim(), reader.GetString(2)) : null;
    }

    public static async Task StoreAsync(UnitOfWork work, long communityId, string key, string requestName, string requestHash, object? answer,
        CancellationToken ct) =>
        await work.Prepared(Insert, ("@communityId", communityId), ("@key", key), ("@requestName", requestName), ("@requestHash", requestHash),
            ("@responseJson", JsonSerializer.Serialize(answer, answer?.GetType() ?? typeof(object), StoredAnswers)), ("@now", work.Now)).ExecuteNonQueryAsync(ct);

    /// <summary>The stored answer, marked as a replay where it can say so.</summary>
    public static object? Answer(Stored stored, Type valueType)
    {
        var value = JsonSerializer.Deserialize(stored.ResponseJson, valueType, Answers);
        return value is IReplayable replayable ? replayable.AsReplayed() : value;
    }
}

/// <summary>Builds and reads <see cref="Outcome{T}"/> responses where the pipeline only knows them as TResponse.</summary>
internal static class Outcomes
{
    public static Failure? FailureOf(object? response) =>
        response?.GetType().GetProperty(nameof(Outcome<object>.Failure))?.GetValue(response) as Failure;

    public static object? ValueOf(object? response) =>
        response?.GetType().GetProperty(nameof(Outcome<object>.Value))?.GetValue(response);

    public static Type ValueType<TResponse>() =>
        typeof(TResponse).IsGenericType && typeof(TResponse).GetGenericTypeDefinition() == typeof(Outcome<>)
            ? typeof(TResponse).GetGenericArguments()[0]
            : throw new InvalidOperationException($"{typeof(TResponse).Name} is not an Outcome<T>: idempotent requests answer with one");

    public static TResponse Fail<TResponse>(Failure failure) =>
        (TResponse)Activator.CreateInstance(typeof(TResponse), [null, failure])!;

    public static TResponse Succeed<TResponse>(object? value) =>
        (TResponse)Activator.CreateInstance(typeof(TResponse), [value, null])!;
}
