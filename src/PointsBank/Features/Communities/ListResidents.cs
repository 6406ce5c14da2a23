using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// The community's residents in the order they were added, optionally of one grid and/or one household; active ones
/// only unless asked. Every role of the community (an inspector limited to grids: of their own grid); names are
/// masked and phones withheld for everyone but the committee and admins (<see cref="PersonalData"/>).
/// </summary>
[AnyStaff]
public sealed record ListResidents(long CommunityId, long? GridId = null, long? HouseholdId = null, bool IncludeInactive = false, int Page = 1,
    int PageSize = Paging.DefaultPageSize) : IRequest<Outcome<RosterPage<ResidentView>>>, IValidated, IQuery, IGridScoped
{
    public IEnumerable<FieldError> Validate() => Paging.Validate(Page, PageSize);
}

sealed class ListResidentsHandler(DbDataSource db, SqlDialect dialect, CallerContext callers)
    : IRequestHandler<ListResidents, Outcome<RosterPage<ResidentView>>>
{
    // The grid filter goes through the household: a resident with no household is in no grid.
    private const string Count = """
        SELECT COUNT(*)
          FROM residents r LEFT JOIN households h ON h.id = r.household_id
         WHERE r.community_id = @communityId
           AND (@householdId IS NULL OR r.household_id = @householdId)
           AND (@gridId IS NULL OR h.grid_id = @gridId)
           AND (@includeInactive = 1 OR r.is_active = 1)
        """;

    private static readonly DialectSql Page = new(
        Sqlite: """
            SELECT r.id AS Id, r.household_id AS HouseholdId, r.full_name AS FullName, r.phone AS Phone, r.is_active AS IsActive,
                   r.created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.resident_id = r.id) AS AccountId
              FROM residents r LEFT JOIN households h ON h.id = r.household_id
             WHERE r.community_id = @communityId
               AND (@householdId IS NULL OR r.household_id = @householdId)
               AND (@gridId IS NULL OR h.grid_id = @gridId)
               AND (@includeInactive = 1 OR r.is_active = 1)
             ORDER BY r.id
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT r.id AS Id, r.household_id AS HouseholdId, r.full_name AS FullName, r.phone AS Phone, r.is_active AS IsActive,
                   r.created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.resident_id = r.id) AS AccountId
              FROM residents r LEFT JOIN households h ON h.id = r.household_id
             WHERE r.community_id = @communityId
               AND (@householdId IS NULL OR r.household_id = @householdId)
               AND (@gridId IS NULL OR h.grid_id = @gridId)
               AND (@includeInactive = 1 OR r.is_active = 1)
             ORDER BY r.id
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<RosterPage<ResidentView>>> Handle(ListResidents request, CancellationToken ct)
    {
        var page = await Roster.PageAsync<ResidentRow>(db, dialect, request.CommunityId, Count, Page, new
        {
            communityId = request.CommunityId,
            gridId = request.GridId,
            householdId = request.HouseholdId,
            includeInactive = request.IncludeInactive,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, ct);
        return page.Succeeded
            ? new RosterPage<ResidentView>(request.Page, request.PageSize, page.Value.Total, page.Value.Rows.Select(r => r.View(PersonalData.Visible(callers.Current, request.CommunityId))).ToList())
            : page.Failure!;
    }
}
