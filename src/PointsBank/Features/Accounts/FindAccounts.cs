using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Accounts;

/// <summary>
/// A member account found by search: the account, its household (door-plate code) and, when the match was a
/// resident's name or the account is a person's, that resident — masked for callers who may not see personal data.
/// </summary>
public sealed record AccountMatch
{
    public long AccountId { get; init; }
    public string Kind { get; init; } = "";
    public long? HouseholdId { get; init; }
    public string? HouseholdCode { get; init; }
    public long? GridId { get; init; }
    public long? ResidentId { get; init; }
    public string? ResidentName { get; init; }
    public bool NameMasked { get; init; }
}

/// <summary>
/// Finds household and person accounts whose household door-plate code or resident's name contains <see cref="Q"/>
/// (the counter and the grid worker look people up this way). An inspector limited to a grid searches that grid
/// (<c>gridId</c>); names are masked as in the roster (<see cref="PersonalData"/>).
/// </summary>
[Allow(Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer, Role.Shopkeeper)]
public sealed record FindAccounts(long CommunityId, string? Q, long? GridId = null, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Outcome<RosterPage<AccountMatch>>>, IValidated, IQuery, IGridScoped
{
    public const int MaxQueryLength = 100;

    public IEnumerable<FieldError> Validate() => Check.Text("q", Q, MaxQueryLength).Concat(Paging.Validate(Page, PageSize));
}

sealed class FindAccountsHandler(DbDataSource db, SqlDialect dialect, CallerContext callers)
    : IRequestHandler<FindAccounts, Outcome<RosterPage<AccountMatch>>>
{
    // One row per account, or per matching resident of a household account. A person account's household is its
    // resident's. LIKE patterns escape the caller's % and _ so they match literally.
    private const string Matches = """
          FROM accounts a
          LEFT JOIN residents p ON a.kind = 'person' AND p.id = a.resident_id
          LEFT JOIN households h ON h.id = COALESCE(a.household_id, p.household_id)
          LEFT JOIN residents r ON (a.kind = 'person' AND r.id = a.resident_id)
                                OR (a.kind = 'household' AND r.household_id = a.household_id AND r.full_name LIKE @pattern ESCAPE '\')
         WHERE a.community_id = @communityId AND a.kind IN ('household', 'person')
           AND (h.code LIKE @pattern ESCAPE '\' OR r.full_name LIKE @pattern ESCAPE '\')
           AND (@gridId IS NULL OR h.grid_id = @gridId)
        """;

    private const string Count = "SELECT COUNT(*)" + Matches;

    private const string Select = """
        SELECT a.id AS AccountId, a.kind AS Kind, h.id AS HouseholdId, h.code AS HouseholdCode, h.grid_id AS GridId,
               r.id AS ResidentId, r.full_name AS ResidentName

        """ + Matches + """
         ORDER BY h.code, a.id, r.id

        """;

    private static readonly DialectSql Page = new(Sqlite: Select + "LIMIT @take OFFSET @skip", SqlServer: Select + "OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY");

    public async Task<Outcome<RosterPage<AccountMatch>>> Handle(FindAccounts request, CancellationToken ct)
    {
        var pattern = "%" + request.Q!.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        var page = await Roster.PageAsync<AccountMatch>(db, dialect, request.CommunityId, Count, Page, new
        {
            communityId = request.CommunityId,
            pattern,
            gridId = request.GridId,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, ct);
        if (!page.Succeeded)
        {
            return page.Failure!;
        }
        var visible = PersonalData.Visible(callers.Current, request.CommunityId);
        var items = page.Value.Rows
            .Select(m => visible || m.ResidentName is null ? m : m with { ResidentName = PersonalData.MaskName(m.ResidentName), NameMasked = true })
            .ToList();
        return new RosterPage<AccountMatch>(request.Page, request.PageSize, page.Value.Total, items);
    }
}
