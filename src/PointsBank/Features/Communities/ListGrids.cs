using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>The community's grids in the order they were added; active ones only unless asked. Every role of the community.</summary>
[Allow(Role.Admin, Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer, Role.Shopkeeper)]
public sealed record ListGrids(long CommunityId, bool IncludeInactive = false, int Page = 1, int PageSize = RosterPaging.DefaultPageSize)
    : IRequest<Outcome<RosterPage<GridView>>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => RosterPaging.Validate(Page, PageSize);
}

sealed class ListGridsHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<ListGrids, Outcome<RosterPage<GridView>>>
{
    private const string Count = """
        SELECT COUNT(*) FROM grids WHERE community_id = @communityId AND (@includeInactive = 1 OR is_active = 1)
        """;

    private static readonly DialectSql Page = new(
        Sqlite: """
            SELECT id AS Id, name AS Name, is_active AS IsActive, created_at AS CreatedAt
              FROM grids
             WHERE community_id = @communityId AND (@includeInactive = 1 OR is_active = 1)
             ORDER BY id
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT id AS Id, name AS Name, is_active AS IsActive, created_at AS CreatedAt
              FROM grids
             WHERE community_id = @communityId AND (@includeInactive = 1 OR is_active = 1)
             ORDER BY id
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<RosterPage<GridView>>> Handle(ListGrids request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await Roster.CommunityActiveAsync(connection, null, request.CommunityId, ct) is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var args = new
        {
            communityId = request.CommunityId,
            includeInactive = request.IncludeInactive,
            take = request.PageSize,
            skip = RosterPaging.Skip(request.Page, request.PageSize),
        };
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, args, cancellationToken: ct));
        var items = await connection.QueryAsync<GridView>(new CommandDefinition(dialect.Pick(Page), args, cancellationToken: ct));
        return new RosterPage<GridView>(request.Page, request.PageSize, total, items.ToList());
    }
}
