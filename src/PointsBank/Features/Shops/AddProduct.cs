using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

/// <summary>
/// Adds a product to a shop's catalogue with its points price and unit; it starts with no stock (goods come in by
/// restock or donation). Names are unique in the shop. The committee, admins, or the shop's own shopkeeper.
/// </summary>
[Allow(Role.Committee, Role.Admin, Role.Shopkeeper)]
public sealed record AddProduct(
    [property: JsonIgnore] long CommunityId,
    [property: JsonIgnore] long ShopId,
    string Name,
    long PointsPrice,
    string Unit,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<ProductView>>, IValidated, IShopScoped, IIdempotent
{
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => ProductRules.Name(Name).Concat(ProductRules.Price(PointsPrice)).Concat(ProductRules.Unit(Unit));
}

/// <summary>The shape of a product's fields, the same for adding and changing one.</summary>
internal static class ProductRules
{
    public const long MaxPrice = 1_000_000;

    public static IEnumerable<FieldError> Name(string? name) => Check.Text("name", name, 100);

    public static IEnumerable<FieldError> Unit(string? unit) => Check.Text("unit", unit, 16);

    public static IEnumerable<FieldError> Price(long price) => Check.Range("pointsPrice", price, 1, MaxPrice);
}

sealed class AddProductHandler(UnitOfWork work) : IRequestHandler<AddProduct, Outcome<ProductView>>
{
    private const string NameTaken = "SELECT COUNT(*) FROM products WHERE shop_id = @shopId AND name = @name";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO products (community_id, shop_id, name, unit, points_price, is_active, on_hand, created_at)
            VALUES (@communityId, @shopId, @name, @unit, @pointsPrice, 1, 0, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO products (community_id, shop_id, name, unit, points_price, is_active, on_hand, created_at)
            VALUES (@communityId, @shopId, @name, @unit, @pointsPrice, 1, 0, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<ProductView>> Handle(AddProduct request, CancellationToken ct)
    {
        switch (await Catalogue.ShopActiveAsync(work, request.CommunityId, request.ShopId, ct))
        {
            case null:
                return Catalogue.ShopNotFound(request.CommunityId, request.ShopId);
            case false:
                return new Failure("shop_inactive", $"shop {request.ShopId} is deactivated and takes no new products");
        }
        var args = new
        {
            communityId = request.CommunityId,
            shopId = request.ShopId,
            name = request.Name.Trim(),
            unit = request.Unit.Trim(),
            pointsPrice = request.PointsPrice,
            now = work.Now,
        };
        // The unit of work holds the community's lock, so no other request can add the same name between check and insert.
        if (await work.ScalarAsync<long>(NameTaken, args, ct) > 0)
        {
            return new Failure("product_name_exists", $"shop {request.ShopId} already has a product named '{args.name}'");
        }
        var id = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), args, ct);
        return (await Catalogue.ProductAsync(work, request.CommunityId, request.ShopId, id, ct))!;
    }
}
