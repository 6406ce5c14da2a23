using System.Data.Common;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dapper;
using PointsBank.Data;

namespace PointsBank.Identity;

/// <summary>A request property never written to the audit log (passwords, PINs, tokens).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class SecretAttribute : Attribute;

/// <summary>
/// A request property that is a resident's personal data (full name, phone): kept out of the audit log, which is
/// append-only and so could never be erased (see docs/personal-data.md); the roster and its change history keep it,
/// where a departed resident's erasure reaches it. Unlike [Secret] it still counts in the Idempotency-Key's request hash.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PersonalAttribute : Attribute;

/// <summary>Append-only record of writes and denied attempts (table <c>audit_log</c>; triggers reject UPDATE and DELETE).</summary>
public sealed class AuditLog(PointsBank.Ledger.PointsLedger ledger)
{
    private const string Insert = """
        INSERT INTO audit_log (occurred_at, actor, user_id, community_id, action, target, outcome, detail)
        VALUES (@occurredAt, @actor, @userId, @communityId, @action, @target, @outcome, @detail)
        """;

    private static readonly JsonSerializerOptions TargetJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { KeepRouteValues, DropSecrets } },
    };

    /// <summary>
    /// Records in a unit of its own: denials, refusals and failures, whose request's unit was rolled back. On SQLite that
    /// unit waits in the write queue like any other and shares a group commit, instead of sleeping in the busy handler.
    /// </summary>
    public async Task RecordAsync(Caller caller, object request, string outcome, string detail, CancellationToken ct)
    {
        await using var work = new UnitOfWork(ledger);
        await work.BeginAsync(null, ct);
        await RecordAsync(work, caller, request, Target(request), outcome, detail, ct);
        await work.CommitAsync(ct);
    }

    /// <summary>
    /// Records a successful write in its own unit of work, so the row commits with the write or not at all;
    /// <paramref name="target"/> is <see cref="Target"/> of the request, worked out before the unit began.
    /// </summary>
    public async Task RecordAsync(UnitOfWork work, Caller caller, object request, string target, string outcome, string detail, CancellationToken ct)
    {
        await work.Prepared(Insert, ("@occurredAt", work.Now), ("@actor", caller.Actor), ("@userId", caller.UserId),
            ("@communityId", (request as ICommunityScoped)?.CommunityId), ("@action", request.GetType().Name),
            ("@target", target), ("@outcome", Truncate(outcome, 64)),
            ("@detail", Truncate(detail, 2000))).ExecuteNonQueryAsync(ct);
    }

    /// <summary>What the audit row says the request was about: its JSON without secrets or personal data, route values first, cut at 400 characters.</summary>
    public static string Target(object request) => Truncate(JsonSerializer.Serialize(request, request.GetType(), TargetJson), 400);

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..(max - 1)] + "…";

    // Members the route fills (CardId, VoucherId, ReceiptNo, ShopId, AccountId…) are [JsonIgnore] so a body cannot set
    // them, which would also keep them out of the target: the row would not say which card or voucher it was about.
    // They are put back first (so the 400-character cut never drops them). The Idempotency-Key is left out (it is in
    // request_keys, and long); [Secret] members stay out whatever their attributes (DropSecrets runs after this).
    private static void KeepRouteValues(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        var position = 0;
        foreach (var member in info.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (member.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null
                || member.GetIndexParameters().Length > 0
                || member.Name == "IdempotencyKey")
            {
                continue;
            }
            var existing = info.Properties.FirstOrDefault(p => p.Name == member.Name);
            if (existing is not null)
            {
                info.Properties.Remove(existing);
            }
            var property = info.CreateJsonPropertyInfo(member.PropertyType, member.Name);
            property.Get = member.GetValue;
            property.AttributeProvider = member;
            info.Properties.Insert(position++, property);
        }
    }

    // Record parameters carry [Secret] or [Personal] on the constructor parameter; look there as well as on the property.
    private static void DropSecrets(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        var secretParameters = info.Type.GetConstructors()
            .SelectMany(c => c.GetParameters())
            .Where(p => p.GetCustomAttribute<SecretAttribute>() is not null || p.GetCustomAttribute<PersonalAttribute>() is not null)
            .Select(p => p.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(SecretAttribute), true) == true
                || property.AttributeProvider?.IsDefined(typeof(PersonalAttribute), true) == true || secretParameters.Contains(property.Name))
            {
                property.ShouldSerialize = static (_, _) => false;
            }
        }
    }
}
