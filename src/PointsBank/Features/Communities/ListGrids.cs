using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>The community's grids in the order they were added; active ones only unless asked. Every role of the community.</summary>
[AnyStaff]
public sealed record ListGrids(long CommunityId, bool IncludeInactive = false, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Outcome<RosterPage<GridView>>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => Paging.Validate(Page, PageSize);
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
        var page = await Roster.PageAsync<GridView>(db, dialect, request.CommunityId, Count, Page, new
        {
            communityId = request.CommunityId,
            includeInactive = request.IncludeInactive,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, ct);
        return page.Succeeded
            ? new RosterPage<GridView>(request.Page, request.PageSize, page.Value.Total, page.Value.Rows)
            : page.Failure!;
    }
}
