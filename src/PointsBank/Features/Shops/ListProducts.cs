using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

/// <summary>
/// A shop's products, offered ones first, each group in the order they were added: price, unit and stock on hand. Any staff of the community may read it
/// (a shopkeeper only their own shop's). A shop has tens of products, not thousands, so the list is not paged.
/// </summary>
[AnyStaff]
public sealed record ListProducts(long CommunityId, long ShopId) : IRequest<Outcome<IReadOnlyList<ProductView>>>, IQuery, ICommunityWide, IShopScoped;

sealed class ListProductsHandler(DbDataSource db) : IRequestHandler<ListProducts, Outcome<IReadOnlyList<ProductView>>>
{
    private const string Select = $"""
        SELECT {Catalogue.ProductColumns}
          FROM products WHERE community_id = @communityId AND shop_id = @shopId
         ORDER BY is_active DESC, id
        """;

    public async Task<Outcome<IReadOnlyList<ProductView>>> Handle(ListProducts request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await Catalogue.ShopActiveAsync(connection, request.CommunityId, request.ShopId, ct) is null)
        {
            return Catalogue.ShopNotFound(request.CommunityId, request.ShopId);
        }
        var rows = await connection.QueryAsync<ProductView>(new CommandDefinition(Select,
            new { communityId = request.CommunityId, shopId = request.ShopId }, cancellationToken: ct));
        return rows.AsList();
    }
}
