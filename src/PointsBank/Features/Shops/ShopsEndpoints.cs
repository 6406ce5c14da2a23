using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

internal static class ShopsEndpoints
{
    internal static RouteGroupBuilder MapShopCatalogue(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}/shops/{shopId:long}").WithTags("Shops");

        group.MapQuery<ListProducts>("/products").WithSummary("A shop's products (offered or not): points price, unit, stock on hand");

        group.MapCommand<AddProduct>("/products", Reply.Created("/api/v1/communities/{communityId}/shops/{shopId}/products/{id}"))
            .WithSummary("Add a product {name, pointsPrice, unit}; it starts with no stock");

        group.MapCommand<UpdateProduct>("/products/{productId:long}", method: HttpMethods.Put)
            .WithSummary("Change a product's name, points price, unit or whether it is offered (isActive); what is not given stays");

        group.MapCommand<RecordStockMovement>("/products/{productId:long}/movements",
                Reply.Created("/api/v1/communities/{communityId}/shops/{shopId}/products/{productId}/movements"))
            .WithSummary("进货 restock, 捐赠入库 donation (donor, valueYuan) or 盘点更正 correction (note); never below zero");

        group.MapQuery<ListProductMovements>("/products/{productId:long}/movements")
            .WithSummary("A product's stock movements, newest first (paged, pageSize at most 100)");

        group.MapQuery<ListShopMovements>("/movements")
            .WithSummary("A shop's stock movements, newest first; from/to are local days (yyyy-MM-dd, included); kind filters");

        return group;
    }
}
