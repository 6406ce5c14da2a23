using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// The community's households by door-plate code, optionally of one grid; active ones only unless asked. Every role
/// of the community; an inspector limited to grids lists the households of their own grid.
/// </summary>
[AnyStaff]
public sealed record ListHouseholds(long CommunityId, long? GridId = null, bool IncludeInactive = false, int Page = 1,
    int PageSize = Paging.DefaultPageSize) : IRequest<Outcome<RosterPage<HouseholdView>>>, IValidated, IQuery, IGridScoped
{
    public IEnumerable<FieldError> Validate() => Paging.Validate(Page, PageSize);
}

sealed class ListHouseholdsHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<ListHouseholds, Outcome<RosterPage<HouseholdView>>>
{
    private const string Count = """
        SELECT COUNT(*) FROM households
         WHERE community_id = @communityId AND (@gridId IS NULL OR grid_id = @gridId) AND (@includeInactive = 1 OR is_active = 1)
        """;

    private static readonly DialectSql Page = new(
        Sqlite: """
            SELECT id AS Id, grid_id AS GridId, code AS Code, address AS Address, is_active AS IsActive, created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.household_id = households.id) AS AccountId
              FROM households
             WHERE community_id = @communityId AND (@gridId IS NULL OR grid_id = @gridId) AND (@includeInactive = 1 OR is_active = 1)
             ORDER BY code, id
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT id AS Id, grid_id AS GridId, code AS Code, address AS Address, is_active AS IsActive, created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.household_id = households.id) AS AccountId
              FROM households
             WHERE community_id = @communityId AND (@gridId IS NULL OR grid_id = @gridId) AND (@includeInactive = 1 OR is_active = 1)
             ORDER BY code, id
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<RosterPage<HouseholdView>>> Handle(ListHouseholds request, CancellationToken ct)
    {
        var page = await Roster.PageAsync<HouseholdView>(db, dialect, request.CommunityId, Count, Page, new
        {
            communityId = request.CommunityId,
            gridId = request.GridId,
            includeInactive = request.IncludeInactive,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, ct);
        return page.Succeeded
            ? new RosterPage<HouseholdView>(request.Page, request.PageSize, page.Value.Total, page.Value.Rows)
            : page.Failure!;
    }
}
