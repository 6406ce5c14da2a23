using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

/// <summary>The kinds of stock movement (<c>stock_movements.kind</c>).</summary>
public static class StockKinds
{
    public const string Restock = "restock";
    public const string Donation = "donation";
    public const string Redemption = "redemption";
    public const string Return = "return";
    public const string Correction = "correction";
}

/// <summary>One change of a product's stock. A donation names its donor and may carry the goods' value in fen.</summary>
public sealed record StockMove(long CommunityId, long ShopId, long ProductId, string Kind, long Quantity, string Actor,
    string? Donor = null, long? ValueFen = null, string? Note = null, string? ReceiptNo = null);

/// <summary>
/// The one path that changes stock: a conditional UPDATE of the product's stock on hand (it never goes below zero; the
/// database's CHECK says so too) and the append-only movement, in the caller's unit of work. Restock, donations,
/// stock-takes, redemptions at the counter and returns all come through here.
/// </summary>
public static class Stock
{
    private const string Apply = """
        UPDATE products SET on_hand = on_hand + @quantity
         WHERE id = @productId AND community_id = @communityId AND shop_id = @shopId AND on_hand + @quantity >= 0
        """;

    private const string Exists = "SELECT COUNT(*) FROM products WHERE id = @productId AND community_id = @communityId AND shop_id = @shopId";

    private const string Insert = """
        INSERT INTO stock_movements (community_id, shop_id, product_id, kind, quantity, donor, value_fen, note, receipt_no, actor, created_at)
        VALUES (@communityId, @shopId, @productId, @kind, @quantity, @donor, @valueFen, @note, @receiptNo, @actor, @now)
        """;

    /// <summary>Null when the stock moved; <c>product_not_found</c> or <c>out_of_stock</c> (nothing written) otherwise.</summary>
    public static async Task<Failure?> MoveAsync(UnitOfWork work, StockMove move, CancellationToken ct)
    {
        if (move.Quantity == 0)
        {
            return new Failure("validation_failed", "a stock movement changes the count by at least one");
        }
        // Named in camelCase like the statements' parameters: SQLite matches parameter names exactly.
        var args = new { communityId = move.CommunityId, shopId = move.ShopId, productId = move.ProductId, quantity = move.Quantity };
        if (await work.ExecuteAsync(Apply, args, ct) == 0)
        {
            return await work.ScalarAsync<long>(Exists, args, ct) == 0
                ? new Failure("product_not_found", $"product {move.ProductId} is not a product of shop {move.ShopId}")
                : new Failure("out_of_stock", $"product {move.ProductId} has fewer than {-move.Quantity} on hand");
        }
        await work.ExecuteAsync(Insert, new
        {
            communityId = move.CommunityId, shopId = move.ShopId, productId = move.ProductId, kind = move.Kind, quantity = move.Quantity,
            donor = move.Donor, valueFen = move.ValueFen, note = move.Note, receiptNo = move.ReceiptNo, actor = move.Actor, now = work.Now,
        }, ct);
        return null;
    }
}
