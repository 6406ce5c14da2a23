using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;

namespace PointsBank.Features.Communities;

/// <summary>What a roster change is about (column <c>entity_changes.entity</c>).</summary>
public enum RosterEntity
{
    Community,
    Grid,
    Household,
    Resident,
    Shop,
}

/// <summary>What happened to it (column <c>entity_changes.change</c>).</summary>
public enum RosterChange
{
    Create,
    Update,
    Deactivate,
    Reactivate,
}

/// <summary>
/// The history of the roster (table <c>entity_changes</c>): one row per create, update, deactivation and reactivation,
/// with the row before and after as JSON, written in the same database transaction as the change itself.
/// </summary>
internal static class ChangeLog
{
    private const string Insert = """
        INSERT INTO entity_changes (community_id, entity, entity_id, change, actor, changed_at, before_json, after_json)
        VALUES (@communityId, @entity, @entityId, @change, @actor, @changedAt, @beforeJson, @afterJson)
        """;

    // Chinese stays readable in the stored JSON; property names as the API spells them.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToDb(this RosterEntity entity) => entity.ToString().ToLowerInvariant();

    public static string ToDb(this RosterChange change) => change.ToString().ToLowerInvariant();

    public static bool TryParseEntity(string? text, out RosterEntity entity) =>
        Enum.TryParse(text, ignoreCase: true, out entity) && Enum.IsDefined(entity) && !long.TryParse(text, out _);

    public static Task RecordAsync(DbConnection connection, DbTransaction tx, long communityId, RosterEntity entity, long entityId,
        RosterChange change, string actor, DateTime changedAt, object? before, object? after, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
            communityId,
            entity = entity.ToDb(),
            entityId,
            change = change.ToDb(),
            actor,
            changedAt,
            beforeJson = before is null ? null : JsonSerializer.Serialize(before, before.GetType(), Json),
            afterJson = after is null ? null : JsonSerializer.Serialize(after, after.GetType(), Json),
        }, tx, cancellationToken: ct));
}
