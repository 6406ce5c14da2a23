using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Audit;

public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTime OccurredAt { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string Target { get; init; } = "";
    public string Outcome { get; init; } = "";
    public string Detail { get; init; } = "";
}

public sealed record AuditPage(int Page, int PageSize, IReadOnlyList<AuditEntry> Items);

/// <summary>The community's audit log, newest first, optionally filtered by actor (e.g. "user:wang") and request type (e.g. "AwardPoints").</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetAuditLog(long CommunityId, string? Actor, string? Action, int Page = 1, int PageSize = 50)
    : IRequest<Outcome<AuditPage>>, IValidated, IQuery, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() =>
        Paging.Validate(Page, PageSize)
            .Concat(Check.Text("actor", Actor, 200, required: false)).Concat(Check.Text("action", Action, 100, required: false));
}

/// <summary>
/// The whole installation's audit log (system administrators): includes what belongs to no community — sign-in and
/// token attempts, users and communities created — optionally narrowed to one community.
/// </summary>
[Allow(Role.Admin)]
public sealed record GetInstallationAuditLog(long? CommunityId, string? Actor, string? Action, int Page = 1, int PageSize = 50)
    : IRequest<Outcome<AuditPage>>, IValidated, IQuery
{
    public IEnumerable<FieldError> Validate() => new GetAuditLog(CommunityId ?? 0, Actor, Action, Page, PageSize).Validate();
}

sealed class GetAuditLogHandler(DbDataSource db, SqlDialect dialect)
    : IRequestHandler<GetAuditLog, Outcome<AuditPage>>, IRequestHandler<GetInstallationAuditLog, Outcome<AuditPage>>
{
    private static readonly DialectSql Select = new(
        Sqlite: """
            SELECT id AS Id, occurred_at AS OccurredAt, actor AS Actor, action AS Action, target AS Target, outcome AS Outcome, detail AS Detail
              FROM audit_log
             WHERE (@everywhere = 1 OR community_id = @communityId) AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
             ORDER BY id DESC
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT id AS Id, occurred_at AS OccurredAt, actor AS Actor, action AS Action, target AS Target, outcome AS Outcome, detail AS Detail
              FROM audit_log
             WHERE (@everywhere = 1 OR community_id = @communityId) AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
             ORDER BY id DESC
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public Task<Outcome<AuditPage>> Handle(GetAuditLog request, CancellationToken ct) =>
        QueryAsync(request.CommunityId, request.Actor, request.Action, request.Page, request.PageSize, ct);

    public Task<Outcome<AuditPage>> Handle(GetInstallationAuditLog request, CancellationToken ct) =>
        QueryAsync(request.CommunityId, request.Actor, request.Action, request.Page, request.PageSize, ct);

    private async Task<Outcome<AuditPage>> QueryAsync(long? communityId, string? actor, string? action, int page, int pageSize, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<AuditEntry>(new CommandDefinition(dialect.Pick(Select), new
        {
            everywhere = communityId is null ? 1 : 0,
            communityId,
            actor = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim(),
            action = string.IsNullOrWhiteSpace(action) ? null : action.Trim(),
            take = pageSize,
            skip = Paging.Skip(page, pageSize),
        }, cancellationToken: ct));
        return new AuditPage(page, pageSize, rows.Select(r => r with { OccurredAt = Clock.AsUtc(r.OccurredAt) }).ToList());
    }
}
