using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>The community's shops in the order they were added; active ones only unless asked. Every role of the community.</summary>
[AnyStaff]
public sealed record ListShops(long CommunityId, bool IncludeInactive = false, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Outcome<RosterPage<ShopView>>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => Paging.Validate(Page, PageSize);
}

sealed class ListShopsHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<ListShops, Outcome<RosterPage<ShopView>>>
{
    private const string Count = """
        SELECT COUNT(*) FROM shops WHERE community_id = @communityId AND (@includeInactive = 1 OR is_active = 1)
        """;

    private static readonly DialectSql Page = new(
        Sqlite: """
            SELECT id AS Id, name AS Name, kind AS Kind, is_active AS IsActive, created_at AS CreatedAt
              FROM shops
             WHERE community_id = @communityId AND (@includeInactive = 1 OR is_active = 1)
             ORDER BY id
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT id AS Id, name AS Name, kind AS Kind, is_active AS IsActive, created_at AS CreatedAt
              FROM shops
             WHERE community_id = @communityId AND (@includeInactive = 1 OR is_active = 1)
             ORDER BY id
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<RosterPage<ShopView>>> Handle(ListShops request, CancellationToken ct)
    {
        var page = await Roster.PageAsync<ShopView>(db, dialect, request.CommunityId, Count, Page, new
        {
            communityId = request.CommunityId,
            includeInactive = request.IncludeInactive,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, ct);
        return page.Succeeded
            ? new RosterPage<ShopView>(request.Page, request.PageSize, page.Value.Total, page.Value.Rows)
            : page.Failure!;
    }
}
