using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

/// <summary>
/// Changes a product's name, points price, unit or whether it is offered (上架/下架); what is not given stays as it
/// is. Stock is never set here: it moves only through stock movements. A new price applies to vouchers issued from
/// now on (a voucher keeps the price it was issued at). The committee, admins, or the shop's own shopkeeper.
/// </summary>
[Allow(Role.Committee, Role.Admin, Role.Shopkeeper)]
public sealed record UpdateProduct(
    [property: JsonIgnore] long CommunityId,
    [property: JsonIgnore] long ShopId,
    [property: JsonIgnore] long ProductId,
    string? Name = null,
    long? PointsPrice = null,
    string? Unit = null,
    bool? IsActive = null) : IRequest<Outcome<ProductView>>, IValidated, IShopScoped
{
    public IEnumerable<FieldError> Validate()
    {
        if (Name is null && PointsPrice is null && Unit is null && IsActive is null)
        {
            return [new FieldError("name", "请至少修改一项：名称、积分价格、单位或是否上架", "change at least one of name, pointsPrice, unit, isActive")];
        }
        return (Name is null ? [] : ProductRules.Name(Name))
            .Concat(PointsPrice is { } price ? ProductRules.Price(price) : [])
            .Concat(Unit is null ? [] : ProductRules.Unit(Unit));
    }
}

sealed class UpdateProductHandler(UnitOfWork work) : IRequestHandler<UpdateProduct, Outcome<ProductView>>
{
    private const string NameTaken = "SELECT COUNT(*) FROM products WHERE shop_id = @shopId AND name = @name AND id <> @productId";

    private const string Update = """
        UPDATE products
           SET name = COALESCE(@name, name), unit = COALESCE(@unit, unit), points_price = COALESCE(@pointsPrice, points_price),
               is_active = COALESCE(@isActive, is_active)
         WHERE id = @productId AND shop_id = @shopId AND community_id = @communityId
        """;

    public async Task<Outcome<ProductView>> Handle(UpdateProduct request, CancellationToken ct)
    {
        if (await Catalogue.ShopActiveAsync(work, request.CommunityId, request.ShopId, ct) is null)
        {
            return Catalogue.ShopNotFound(request.CommunityId, request.ShopId);
        }
        if (await Catalogue.ProductAsync(work, request.CommunityId, request.ShopId, request.ProductId, ct) is null)
        {
            return Catalogue.ProductNotFound(request.ShopId, request.ProductId);
        }
        var args = new
        {
            communityId = request.CommunityId,
            shopId = request.ShopId,
            productId = request.ProductId,
            name = request.Name?.Trim(),
            unit = request.Unit?.Trim(),
            pointsPrice = request.PointsPrice,
            isActive = request.IsActive is { } active ? (active ? 1 : 0) : (int?)null,
        };
        if (args.name is not null && await work.ScalarAsync<long>(NameTaken, args, ct) > 0)
        {
            return new Failure("product_name_exists", $"shop {request.ShopId} already has a product named '{args.name}'");
        }
        await work.ExecuteAsync(Update, args, ct);
        return (await Catalogue.ProductAsync(work, request.CommunityId, request.ShopId, request.ProductId, ct))!;
    }
}
