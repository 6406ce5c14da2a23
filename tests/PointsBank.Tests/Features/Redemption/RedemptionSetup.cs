using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Redemption;

/// <summary>
/// Shops, products, stock and cards for redemption tests. Shops come from AddShop; products and cards are plain rows
/// (their APIs live on other branches) and stock moves through Stock.MoveAsync in a unit, as the shops slice will.
/// </summary>
internal static class RedemptionSetup
{
    public static async Task<long> NewShopAsync(TestDatabase db, long communityId, string kind = "supermarket")
    {
        var added = await db.Mediator.Send(new AddShop(communityId, $"超市-{Guid.NewGuid():N}"[..12]));
        Assert.That(added.Failure, Is.Null, added.Failure?.Detail);
        if (kind != "supermarket")
        {
            await using var connection = await db.Db.OpenConnectionAsync();
            await connection.ExecuteAsync("UPDATE shops SET kind = @kind WHERE id = @id", new { kind, id = added.Value!.ShopId });
        }
        return added.Value!.ShopId;
    }

    public static async Task<long> NewProductAsync(TestDatabase db, long communityId, long shopId, long price, long stock, string? name = null,
        bool active = true)
    {
        long id;
        await using (var connection = await db.Db.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO products (community_id, shop_id, name, unit, points_price, is_active, on_hand, created_at)
                VALUES (@communityId, @shopId, @name, '个', @price, @active, 0, @now)
                """, new { communityId, shopId, name = name ?? $"商品-{Guid.NewGuid():N}"[..10], price, active = active ? 1 : 0, now = db.Clock.GetUtcNow().UtcDateTime });
            id = await connection.ExecuteScalarAsync<long>("SELECT MAX(id) FROM products WHERE shop_id = @shopId", new { shopId });
        }
        if (stock > 0)
        {
            await MoveStockAsync(db, communityId, shopId, id, StockKinds.Restock, stock);
        }
        return id;
    }

    public static async Task MoveStockAsync(TestDatabase db, long communityId, long shopId, long productId, string kind, long quantity)
    {
        await using var scope = db.Services.CreateAsyncScope();
        var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        await work.BeginAsync(communityId, default);
        var failed = await Stock.MoveAsync(work, new StockMove(communityId, shopId, productId, kind, quantity, "test:shop"), default);
        Assert.That(failed, Is.Null, failed?.Detail);
        await work.CommitAsync(default);
        await work.DisposeAsync();
    }

    /// <summary>An active card for the account with PIN 1234; returns its token.</summary>
    public static async Task<string> NewCardAsync(TestDatabase db, long communityId, long accountId, string pin = "1234")
    {
        var token = CardSecrets.NewToken();
        await using var connection = await db.Db.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO cards (community_id, account_id, token_hash, token_sealed, status, pin_hash, pin_failures, issued_by, issued_at)
            VALUES (@communityId, @accountId, @hash, 'sealed-in-tests', 'active', @pin, 0, 'test', @now)
            """, new { communityId, accountId, hash = CardSecrets.HashToken(token), pin = CardSecrets.HashPin(pin), now = db.Clock.GetUtcNow().UtcDateTime });
        return token;
    }

    public static Caller Shopkeeper(long communityId, long shopId) => Caller.User(301, "shopkeeper", [new RoleGrant(communityId, Role.Shopkeeper, null, shopId)]);

    public static Caller Committee(long communityId) => Caller.User(302, "committee", [new RoleGrant(communityId, Role.Committee)]);
}
