using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Redemption;

/// <summary>
/// Shops, products, stock and cards for redemption tests, all through the real requests of their slices (as the
/// committee): AddShop, AddProduct, RecordStockMovement (restock, correction), UpdateProduct, IssueCard, SetCardPin.
/// </summary>
internal static class RedemptionSetup
{
    public static async Task<long> NewShopAsync(TestDatabase db, long communityId, string kind = "supermarket")
    {
        var added = await db.SendAs(Committee(communityId), new AddShop(communityId, $"超市-{Guid.NewGuid():N}"[..12], Kind: kind));
        Assert.That(added.Failure, Is.Null, added.Failure?.Detail);
        return added.Value!.ShopId;
    }

    public static async Task<long> NewProductAsync(TestDatabase db, long communityId, long shopId, long price, long stock, string? name = null,
        bool active = true)
    {
        var committee = Committee(communityId);
        var added = await db.SendAs(committee, new AddProduct(communityId, shopId, name ?? $"商品-{Guid.NewGuid():N}"[..10], price, "个"));
        Assert.That(added.Failure, Is.Null, added.Failure?.Detail);
        var id = added.Value!.Id;
        if (stock > 0)
        {
            await MoveStockAsync(db, communityId, shopId, id, StockKinds.Restock, stock);
        }
        if (!active)
        {
            var off = await db.SendAs(committee, new UpdateProduct(communityId, shopId, id, IsActive: false));
            Assert.That(off.Failure, Is.Null, off.Failure?.Detail);
        }
        return id;
    }

    /// <summary>A restock (positive) or a stock-take correction (either way) through the shops slice's request.</summary>
    public static async Task MoveStockAsync(TestDatabase db, long communityId, long shopId, long productId, string kind, long quantity)
    {
        var moved = await db.SendAs(Committee(communityId), new RecordStockMovement(communityId, shopId, productId, kind, quantity,
            Note: kind == StockKinds.Correction ? "盘点" : null));
        Assert.That(moved.Failure, Is.Null, moved.Failure?.Detail);
    }

    /// <summary>A card issued to the account by the committee, with its PIN set (1234 unless told); returns its token.</summary>
    public static async Task<string> NewCardAsync(TestDatabase db, long communityId, long accountId, string pin = "1234")
    {
        var issued = await db.SendAs(Committee(communityId), new IssueCard(communityId, accountId));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        var set = await db.SendAs(Committee(communityId), new SetCardPin(communityId, issued.Value!.CardId, pin));
        Assert.That(set.Failure, Is.Null, set.Failure?.Detail);
        return IssuedCards.TokenOf(issued.Value!);
    }

    /// <summary>The token at the end of a card URL (…/c/&lt;token&gt;).</summary>

    public static Caller Shopkeeper(long communityId, long shopId) => Caller.User(301, "shopkeeper", [new RoleGrant(communityId, Role.Shopkeeper, null, shopId)]);

    public static Caller Committee(long communityId) => Caller.User(302, "committee", [new RoleGrant(communityId, Role.Committee)]);
}
