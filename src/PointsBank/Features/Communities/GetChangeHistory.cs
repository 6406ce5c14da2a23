using System.Data.Common;
using System.Text.Json;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>One recorded roster change: what, which row, who, when, and the row before and after (null for a creation's "before").</summary>
public sealed record EntityChange(long Id, string Entity, long EntityId, string Change, string Actor, DateTime ChangedAt,
    JsonElement? Before, JsonElement? After);

/// <summary>
/// The roster's change history, newest first, optionally for one kind of entity or one row. Committee and admins
/// only: residents' rows carry their full name and phone.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetChangeHistory(long CommunityId, string? Entity = null, long? EntityId = null, int Page = 1,
    int PageSize = Paging.DefaultPageSize) : IRequest<Outcome<RosterPage<EntityChange>>>, IValidated, IQuery, ICommunityScoped
{
    public IEnumerable<FieldError> Validate()
    {
        if (Entity is not null && !ChangeLog.TryParseEntity(Entity, out _))
        {
            yield return new FieldError("entity", "须为 community、grid、household、resident 或 shop",
                "must be 'community', 'grid', 'household', 'resident' or 'shop'");
        }
        if (EntityId is { } id)
        {
            foreach (var e in Check.Positive("entityId", id)) yield return e;
            if (Entity is null)
            {
                yield return new FieldError("entityId", "按编号查询时须同时指定 entity", "needs 'entity' as well");
            }
        }
        foreach (var e in Paging.Validate(Page, PageSize)) yield return e;
    }
}

sealed class GetChangeHistoryHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<GetChangeHistory, Outcome<RosterPage<EntityChange>>>
{
    private const string Count = """
        SELECT COUNT(*) FROM entity_changes
         WHERE community_id = @communityId AND (@entity IS NULL OR entity = @entity) AND (@entityId IS NULL OR entity_id = @entityId)
        """;

    private static readonly DialectSql Page = new(
        Sqlite: """
            SELECT id AS Id, entity AS Entity, entity_id AS EntityId, change AS Change, actor AS Actor, changed_at AS ChangedAt,
                   before_json AS BeforeJson, after_json AS AfterJson
              FROM entity_changes
             WHERE community_id = @communityId AND (@entity IS NULL OR entity = @entity) AND (@entityId IS NULL OR entity_id = @entityId)
             ORDER BY id DESC
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT id AS Id, entity AS Entity, entity_id AS EntityId, change AS Change, actor AS Actor, changed_at AS ChangedAt,
                   before_json AS BeforeJson, after_json AS AfterJson
              FROM entity_changes
             WHERE community_id = @communityId AND (@entity IS NULL OR entity = @entity) AND (@entityId IS NULL OR entity_id = @entityId)
             ORDER BY id DESC
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    private sealed class Row
    {
        public long Id { get; init; }
        public string Entity { get; init; } = "";
        public long EntityId { get; init; }
        public string Change { get; init; } = "";
        public string Actor { get; init; } = "";
        public DateTime ChangedAt { get; init; }
        public string? BeforeJson { get; init; }
        public string? AfterJson { get; init; }
    }

    public async Task<Outcome<RosterPage<EntityChange>>> Handle(GetChangeHistory request, CancellationToken ct)
    {
        ChangeLog.TryParseEntity(request.Entity, out var entity);
        var page = await Roster.PageAsync<Row>(db, dialect, request.CommunityId, Count, Page, new
        {
            communityId = request.CommunityId,
            entity = request.Entity is null ? null : entity.ToDb(),
            entityId = request.EntityId,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, ct);
        return page.Succeeded
            ? new RosterPage<EntityChange>(request.Page, request.PageSize, page.Value.Total, page.Value.Rows.Select(r => new EntityChange(r.Id,
                r.Entity, r.EntityId, r.Change, r.Actor, Clock.AsUtc(r.ChangedAt), Parse(r.BeforeJson), Parse(r.AfterJson))).ToList())
            : page.Failure!;
    }

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
