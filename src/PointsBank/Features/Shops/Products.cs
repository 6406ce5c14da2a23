using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

/// <summary>A product of a shop: its points price, its unit (袋, 桶, 支…), the stock on hand and whether it is offered.</summary>
// Settable properties rather than a positional record: Dapper converts SQLite's text timestamps only when it sets properties.
public sealed record ProductView
{
    public long Id { get; init; }
    public long ShopId { get; init; }
    public string Name { get; init; } = "";
    public string Unit { get; init; } = "";
    public long PointsPrice { get; init; }
    public long OnHand { get; init; }
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
}

/// <summary>
/// One stock movement as it was recorded: what came in or went out, who recorded it and when, and for a donation the
/// donor and the goods' estimated value (stored in fen, shown in yuan).
/// </summary>
public sealed record MovementView
{
    public long Id { get; init; }
    public long ShopId { get; init; }
    public long ProductId { get; init; }
    public string ProductName { get; init; } = "";
    public string Unit { get; init; } = "";
    public string Kind { get; init; } = "";
    public long Quantity { get; init; }
    public string? Donor { get; init; }
    public long? ValueFen { get; init; }
    public decimal? ValueYuan => ValueFen is { } fen ? fen / 100m : null;
    public string? Note { get; init; }
    public string? ReceiptNo { get; init; }
    public string Actor { get; init; } = "";
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }

    /// <summary>The display name of a staff <see cref="Actor"/> (<c>user:…</c> → 李店员), filled by the movement lists.</summary>
    public IReadOnlyDictionary<string, string> ActorNames { get; init; } = new Dictionary<string, string>();
}

/// <summary>A stock movement just recorded, with the product as it stands after it.</summary>
public sealed record MovementRecorded(MovementView Movement, ProductView Product);

/// <summary>The slice's shared reads: a shop of the community, a product of a shop, a movement.</summary>
internal static class Catalogue
{
    private const string ShopActive = "SELECT is_active FROM shops WHERE id = @shopId AND community_id = @communityId";

    internal const string ProductColumns = """
        id AS Id, shop_id AS ShopId, name AS Name, unit AS Unit, points_price AS PointsPrice, on_hand AS OnHand,
        is_active AS IsActive, created_at AS CreatedAt
        """;

    private const string SelectProduct = $"""
        SELECT {ProductColumns}
          FROM products WHERE id = @productId AND shop_id = @shopId AND community_id = @communityId
        """;

    /// <summary>Movements as listed, each with the display name of the staff user who recorded it.</summary>
    internal static async Task<IReadOnlyList<MovementView>> WithActorNamesAsync(DbConnection connection, IEnumerable<MovementView> rows,
        CancellationToken ct)
    {
        var movements = rows.AsList();
        var names = await Identity.ActorNames.LookupAsync(connection, movements.Select(m => m.Actor), ct);
        return movements.Select(m => m with { ActorNames = Identity.ActorNames.Of(names, m.Actor) }).ToList();
    }

    internal const string MovementColumns = """
        m.id AS Id, m.shop_id AS ShopId, m.product_id AS ProductId, p.name AS ProductName, p.unit AS Unit, m.kind AS Kind,
        m.quantity AS Quantity, m.donor AS Donor, m.value_fen AS ValueFen, m.note AS Note, m.receipt_no AS ReceiptNo,
        m.actor AS Actor, m.created_at AS CreatedAt
        """;

    private const string SelectMovement = $"""
        SELECT {MovementColumns}
          FROM stock_movements m JOIN products p ON p.id = m.product_id
         WHERE m.id = @movementId
        """;

    public static Failure ShopNotFound(long communityId, long shopId) =>
        new("shop_not_found", $"shop {shopId} does not exist in community {communityId}");

    public static Failure ProductNotFound(long shopId, long productId) =>
        new("product_not_found", $"product {productId} is not a product of shop {shopId}");

    /// <summary>Null when the shop is not one of the community's; else whether it is active.</summary>
    public static Task<bool?> ShopActiveAsync(UnitOfWork work, long communityId, long shopId, CancellationToken ct) =>
        work.ScalarAsync<bool?>(ShopActive, new { communityId, shopId }, ct);

    public static Task<bool?> ShopActiveAsync(DbConnection connection, long communityId, long shopId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool?>(new CommandDefinition(ShopActive, new { communityId, shopId }, cancellationToken: ct));

    public static Task<ProductView?> ProductAsync(UnitOfWork work, long communityId, long shopId, long productId, CancellationToken ct) =>
        work.SingleOrDefaultAsync<ProductView>(SelectProduct, new { communityId, shopId, productId }, ct);

    public static Task<ProductView?> ProductAsync(DbConnection connection, long communityId, long shopId, long productId, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<ProductView>(new CommandDefinition(SelectProduct, new { communityId, shopId, productId }, cancellationToken: ct));

    public static async Task<MovementView> MovementAsync(UnitOfWork work, long movementId, CancellationToken ct) =>
        (await work.SingleOrDefaultAsync<MovementView>(SelectMovement, new { movementId }, ct))!;
}
