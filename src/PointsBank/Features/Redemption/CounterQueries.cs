using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Redemption;

/// <summary>What the counter shows after a scan, before the confirm button: the order, the points and the balance after.</summary>
public sealed record VoucherPreview(
    long VoucherId, string Code, long ShopId, string ShopName, long AccountId, string MaskedName, long Points, IReadOnlyList<VoucherItemView> Items,
    string Status, DateTime ExpiresAt, long Available, long BalanceAfter, string? ReceiptNo);

/// <summary>
/// The counter's look at a scanned code (<c>GET …/vouchers/by-code/{code}?shopId=</c>): the same refusals as confirming
/// (malformed, forged, unknown, other shop, cancelled, expired); a redeemed voucher comes back with its receipt number.
/// </summary>
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record PreviewVoucher(long CommunityId, string Code, long ShopId) : IRequest<Outcome<VoucherPreview>>, IQuery, IShopScoped;

sealed class PreviewVoucherHandler(DbDataSource db, TimeProvider clock) : IRequestHandler<PreviewVoucher, Outcome<VoucherPreview>>
{
    public async Task<Outcome<VoucherPreview>> Handle(PreviewVoucher request, CancellationToken ct)
    {
        if (Vouchers.ShapeProblem(request.Code, out var code) is { } shape)
        {
            return shape;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var reads = new Reads(connection, null);
        if (await Vouchers.ByCodeAsync(reads, request.CommunityId, code, ct) is not { } voucher)
        {
            return new Failure("voucher_not_found", "no voucher of this community has this code");
        }
        if (Redemptions.Refusal(voucher, request.ShopId, clock.GetUtcNow().UtcDateTime) is { } refusal)
        {
            return refusal;
        }
        var items = await Vouchers.ItemsAsync(reads, voucher.Id, ct);
        var available = await reads.ScalarAsync<long>(Vouchers.Available, new { accountId = voucher.AccountId, communityId = request.CommunityId }, ct);
        var balance = await reads.ScalarAsync<long>(Vouchers.Balance, new { accountId = voucher.AccountId, communityId = request.CommunityId }, ct);
        var after = voucher.Status == VoucherStatus.Redeemed
            ? (await Redemptions.ReceiptAsync(reads, request.CommunityId, voucher.ReceiptNo!, ct))!.BalanceAfter
            : balance - voucher.Points;
        return new VoucherPreview(voucher.Id, voucher.Code, voucher.ShopId, voucher.ShopName, voucher.AccountId, voucher.MaskedName, voucher.Points,
            items, voucher.Status, voucher.ExpiresAt, available, after, voucher.ReceiptNo);
    }
}

/// <summary>A voucher by id (its QR again, its status): the committee, or the shopkeeper of its shop.</summary>
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record GetVoucher(long CommunityId, long VoucherId) : IRequest<Outcome<VoucherView>>, IQuery, ICommunityScoped;

sealed class GetVoucherHandler(DbDataSource db, CallerContext callers) : IRequestHandler<GetVoucher, Outcome<VoucherView>>
{
    public async Task<Outcome<VoucherView>> Handle(GetVoucher request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var reads = new Reads(connection, null);
        if (await Vouchers.ByIdAsync(reads, request.CommunityId, request.VoucherId, ct) is not { } voucher)
        {
            return new Failure("voucher_not_found", $"community {request.CommunityId} has no voucher {request.VoucherId}");
        }
        if (Vouchers.ShopLimit(callers.Current, request.CommunityId) is { } own && own != voucher.ShopId)
        {
            return new Failure("voucher_other_shop", $"voucher {voucher.Id} was ordered at shop {voucher.ShopId}");
        }
        return Vouchers.View(voucher, await Vouchers.ItemsAsync(reads, voucher.Id, ct));
    }
}

/// <summary>A receipt by its number (the printable slip, a later look): the committee, or the shopkeeper of its shop.</summary>
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record GetReceipt(long CommunityId, string ReceiptNo) : IRequest<Outcome<RedemptionReceipt>>, IQuery, ICommunityScoped;

sealed class GetReceiptHandler(DbDataSource db, CallerContext callers) : IRequestHandler<GetReceipt, Outcome<RedemptionReceipt>>
{
    public async Task<Outcome<RedemptionReceipt>> Handle(GetReceipt request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await Redemptions.ReceiptAsync(new Reads(connection, null), request.CommunityId, request.ReceiptNo, ct) is not { } receipt)
        {
            return new Failure("receipt_not_found", $"community {request.CommunityId} has no receipt {request.ReceiptNo}");
        }
        if (Vouchers.ShopLimit(callers.Current, request.CommunityId) is { } own && own != receipt.ShopId)
        {
            return new Failure("receipt_other_shop", $"receipt {receipt.ReceiptNo} belongs to shop {receipt.ShopId}");
        }
        return receipt;
    }
}

public sealed record CatalogShop(long ShopId, string Name, string Kind);

public sealed record CatalogProduct(long ProductId, string Name, string Unit, long PointsPrice, long OnHand);

/// <summary>
/// What an order page offers: the community's active shops and the chosen shop's products in stock; with a card, its
/// available points, whether it can pay (a PIN set, not locked) and its vouchers still to be collected.
/// </summary>
public sealed record OrderCatalog(IReadOnlyList<CatalogShop> Shops, long? ShopId, IReadOnlyList<CatalogProduct> Products, long? Available)
{
    /// <summary>With a card: false when the card has no PIN yet (it cannot order until the committee sets one).</summary>
    public bool? CardHasPin { get; init; }

    /// <summary>With a card: true when too many wrong PINs locked it.</summary>
    public bool? CardLocked { get; init; }

    /// <summary>With a card: its account's vouchers issued and not yet expired, soonest to expire first.</summary>
    public IReadOnlyList<VoucherView> OpenVouchers { get; init; } = [];

    /// <summary>The points the open vouchers hold: why fewer points are available than the balance.</summary>
    public long OpenVoucherPoints => OpenVouchers.Sum(v => v.Points);
}

/// <summary>
/// The order pages' catalogue (the staff's 下单 page, the resident's <c>/c/{token}/order</c>): active shops and the
/// chosen (or first) shop's active products with stock on hand; with a card, that card's available points too.
/// </summary>
[CardHolder]
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record GetOrderCatalog(long CommunityId, long? ShopId = null, [property: Secret] string? CardToken = null)
    : IRequest<Outcome<OrderCatalog>>, IQuery, ICardPresented;

sealed class GetOrderCatalogHandler(DbDataSource db, TimeProvider clock) : IRequestHandler<GetOrderCatalog, Outcome<OrderCatalog>>
{
    private const string Shops = "SELECT id AS ShopId, name AS Name, kind AS Kind FROM shops WHERE community_id = @communityId AND is_active = 1 ORDER BY id";

    private const string Products = """
        SELECT id AS ProductId, name AS Name, unit AS Unit, points_price AS PointsPrice, on_hand AS OnHand
          FROM products WHERE community_id = @communityId AND shop_id = @shopId AND is_active = 1 AND on_hand > 0
         ORDER BY name, id
        """;

    private const string CardState = """
        SELECT c.account_id AS AccountId, b.balance - b.held AS Available, CASE WHEN c.pin_hash IS NULL THEN 0 ELSE 1 END AS HasPin,
               CASE WHEN c.locked_at IS NULL THEN 0 ELSE 1 END AS Locked
          FROM cards c JOIN balances b ON b.account_id = c.account_id
         WHERE c.token_hash = @tokenHash AND c.community_id = @communityId AND c.status = 'active'
        """;

    /// <summary>Settable properties: Dapper maps SQLite's 64-bit integers onto settable members only.</summary>
    private sealed class CardRow
    {
        public long AccountId { get; set; }
        public long Available { get; set; }
        public long HasPin { get; set; }
        public long Locked { get; set; }
    }

    public async Task<Outcome<OrderCatalog>> Handle(GetOrderCatalog request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var reads = new Reads(connection, null);
        var shops = await reads.QueryAsync<CatalogShop>(Shops, new { communityId = request.CommunityId }, ct);
        var shopId = request.ShopId is { } wanted && shops.Any(s => s.ShopId == wanted) ? wanted : shops.FirstOrDefault()?.ShopId;
        var products = shopId is null ? [] : await reads.QueryAsync<CatalogProduct>(Products, new { communityId = request.CommunityId, shopId }, ct);
        var card = request.CardToken is { } token && CardSecrets.LooksLikeToken(token)
            ? await reads.SingleOrDefaultAsync<CardRow>(CardState, new { tokenHash = CardSecrets.HashToken(token), communityId = request.CommunityId }, ct)
            : null;
        if (card is null)
        {
            return new OrderCatalog(shops, shopId, products, null);
        }
        return new OrderCatalog(shops, shopId, products, card.Available)
        {
            CardHasPin = card.HasPin != 0,
            CardLocked = card.Locked != 0,
            OpenVouchers = await Vouchers.OpenOfAccountAsync(reads, request.CommunityId, card.AccountId, Clock.Now(clock), ct),
        };
    }
}


/// <summary>
/// Whose card the counter scanned: the door-plate code and the holder's masked name as the card prints them (the counter
/// masks names for everyone, as on the voucher and the receipt), the account, and whether the card can pay at all
/// (a PIN set, not locked). Never the full name, the PIN or its hash.
/// </summary>
public sealed record CounterCard(long CardId, long AccountId, string? HouseholdCode, string MaskedName, bool HasPin, bool Locked)
{
    /// <summary>
    /// The card's vouchers waiting to be collected (issued, not expired), at any shop of the community: the counter
    /// confirms those of its own shop and tells the resident where the others wait.
    /// </summary>
    public IReadOnlyList<VoucherView> OpenVouchers { get; init; } = [];
}

/// <summary>
/// The card + PIN page's look at a scanned card before the order (<c>/counter/card</c>): the shop's shopkeeper and the
/// committee. An unknown, revoked or other community's card is <c>card_not_found</c>, as confirming it would be.
/// </summary>
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record GetCounterCard(long CommunityId, long ShopId, [property: Secret] string? CardToken) : IRequest<Outcome<CounterCard>>, IQuery, IShopScoped;

sealed class GetCounterCardHandler(DbDataSource db, TimeProvider clock) : IRequestHandler<GetCounterCard, Outcome<CounterCard>>
{
    private const string Select = $"""
        SELECT c.id AS CardId, CASE WHEN c.pin_hash IS NULL THEN 0 ELSE 1 END AS HasPin,
               CASE WHEN c.locked_at IS NULL THEN 0 ELSE 1 END AS Locked, {CardStore.HolderColumns}
          FROM cards c JOIN accounts a ON a.id = c.account_id
          {CardStore.HolderJoins}
         WHERE c.token_hash = @tokenHash AND c.community_id = @communityId AND c.status = 'active'
        """;

    /// <summary>Settable properties: Dapper maps SQLite's 64-bit integers onto settable members only.</summary>
    private sealed class Row
    {
        public long CardId { get; set; }
        public long HasPin { get; set; }
        public long Locked { get; set; }
        public long AccountId { get; set; }
        public string Kind { get; set; } = "";
        public string? HouseholdCode { get; set; }
        public long? GridId { get; set; }
        public string? FullName { get; set; }
    }

    public async Task<Outcome<CounterCard>> Handle(GetCounterCard request, CancellationToken ct)
    {
        if (!CardSecrets.LooksLikeToken(request.CardToken))
        {
            return new Failure("card_not_found", "the text is not a card token");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var reads = new Reads(connection, null);
        var row = await reads.SingleOrDefaultAsync<Row>(Select,
            new { tokenHash = CardSecrets.HashToken(request.CardToken!), communityId = request.CommunityId }, ct);
        if (row is null)
        {
            return new Failure("card_not_found", "no active card of this community has this token");
        }
        return new CounterCard(row.CardId, row.AccountId, row.HouseholdCode, Communities.PersonalData.MaskName(row.FullName), row.HasPin != 0, row.Locked != 0)
        {
            OpenVouchers = await Vouchers.OpenOfAccountAsync(reads, request.CommunityId, row.AccountId, Clock.Now(clock), ct),
        };
    }
}
