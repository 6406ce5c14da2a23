using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>One shop, active or not. Every role of the community.</summary>
[AnyStaff]
public sealed record GetShop(long CommunityId, long ShopId) : IRequest<Outcome<ShopView>>, IQuery, ICommunityWide;

sealed class GetShopHandler(DbDataSource db) : IRequestHandler<GetShop, Outcome<ShopView>>
{
    private const string Select = """
        SELECT id AS Id, name AS Name, kind AS Kind, is_active AS IsActive, created_at AS CreatedAt
          FROM shops WHERE id = @shopId AND community_id = @communityId
        """;

    public async Task<Outcome<ShopView>> Handle(GetShop request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var shop = await connection.QuerySingleOrDefaultAsync<ShopView>(new CommandDefinition(Select,
            new { shopId = request.ShopId, communityId = request.CommunityId }, cancellationToken: ct));
        return shop is null ? new Failure("shop_not_found", $"shop {request.ShopId} does not exist in community {request.CommunityId}") : shop;
    }
}
