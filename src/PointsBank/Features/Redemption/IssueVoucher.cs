using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Redemption;

/// <summary>
/// 下单: a one-time voucher for an order at a shop — items of its catalogue priced now, or an amount of points at a
/// partner shop — with the points held until it is confirmed at the counter, cancelled, or expires
/// (<c>Redemption:VoucherMinutes</c>, default 15). Two ways in:
/// <list type="bullet">
/// <item>staff on the resident's behalf (<c>accountId</c>): the committee, or the shop's own shopkeeper;</item>
/// <item>the resident's card (<c>cardToken</c> + <c>pin</c>, no <c>accountId</c>): whoever holds the card's token is let in
/// by the authorization step, and the PIN is checked here (wrong PINs are counted even though the request fails; the
/// fifth locks the card). The voucher is for the card's own account.</item>
/// </list>
/// </summary>
[CardHolder]
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record IssueVoucher(
    [property: JsonIgnore] long CommunityId,
    long ShopId,
    long? AccountId = null,
    IReadOnlyList<OrderItem>? Items = null,
    long? Points = null,
    [property: Secret] string? CardToken = null,
    [property: Secret] string? Pin = null,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<VoucherView>>, IValidated, IShopScoped, ICardPresented, IIdempotent
{
    bool IIdempotent.KeyRequired => false;

    /// <summary>Which card asked (its hash), so one Idempotency-Key cannot replay another card's voucher.</summary>
    [JsonIgnore]
    public string? CardHash => CardToken is null ? null : CardSecrets.HashToken(CardToken);

    public IEnumerable<FieldError> Validate() =>
        Check.Positive("shopId", ShopId)
            .Concat(CardToken is null
                ? AccountId is { } account ? Check.Positive("accountId", account) : [new FieldError("accountId", "请选择兑换的账户", "is required (or cardToken and pin)")]
                : AccountId is not null ? [new FieldError("accountId", "用卡下单时不填账户：兑换的是这张卡的账户", "is not sent with cardToken: the card's own account is used")]
                : string.IsNullOrEmpty(Pin) ? [new FieldError("pin", "请输入密码", "is required with cardToken")] : [])
            .Concat(Orders.Validate(Items, Points));
}

/// <summary>Checks shared by every order (a voucher, or card + PIN at the counter).</summary>
internal static class Orders
{
    public const int MaxLines = 50;

    public static IEnumerable<FieldError> Validate(IReadOnlyList<OrderItem>? items, long? points)
    {
        if (items is { Count: > 0 } && points is not null)
        {
            yield return new FieldError("points", "按商品下单时不填积分数", "is not sent with items");
        }
        if (points is { } amount)
        {
            foreach (var e in Check.Range("points", amount, 1, 1_000_000)) yield return e;
        }
        if (items is null)
        {
            yield break;
        }
        if (items.Count > MaxLines)
        {
            yield return new FieldError("items", $"一次最多 {MaxLines} 样商品", $"at most {MaxLines} lines");
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                yield return new FieldError($"items[{i}]", "不能为空", "is required");
                continue;
            }
            foreach (var e in Check.Positive($"items[{i}].productId", items[i].ProductId)) yield return e;
            foreach (var e in Check.Range($"items[{i}].quantity", items[i].Quantity, 1, 1000)) yield return e;
        }
        if (items.Where(i => i is not null).GroupBy(i => i.ProductId).Any(g => g.Count() > 1))
        {
            yield return new FieldError("items", "同一商品请合并为一行", "name each product once");
        }
    }
}

sealed class IssueVoucherHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers, Microsoft.Extensions.Options.IOptions<RedemptionOptions> options)
    : IRequestHandler<IssueVoucher, Outcome<VoucherView>>
{
    public async Task<Outcome<VoucherView>> Handle(IssueVoucher request, CancellationToken ct)
    {
        var caller = callers.Current;
        long accountId;
        long? cardId = null;
        string via;
        if (request.CardToken is not null)
        {
            if (await CardPins.FindActiveAsync(work, request.CommunityId, request.CardToken, ct) is not { } card)
            {
                return new Failure("card_not_found", "no active card of this community has this token");
            }
            if (await CardPins.CheckAsync(work, card, request.Pin, ct) is { } refused)
            {
                return refused;
            }
            (accountId, cardId, via) = (card.AccountId, card.Id, "card_pin");
        }
        else
        {
            if (Vouchers.ShopLimit(caller, request.CommunityId) is { } own && own != request.ShopId)
            {
                return new Failure("voucher_other_shop", $"{caller.Actor} orders for shop {own} only");
            }
            (accountId, via) = (request.AccountId!.Value, "staff");
        }
        var issued = await VoucherIssuer.IssueAsync(work, ledger,
            new NewVoucher(request.CommunityId, request.ShopId, accountId, cardId, request.Items, request.Points, via, caller.Actor),
            options.Value.VoucherLifetime, ct);
        if (!issued.Succeeded)
        {
            return issued.Failure!;
        }
        return Vouchers.View(issued.Value!, await Vouchers.ItemsAsync(work, issued.Value!.Id, ct));
    }
}

/// <summary>An order to turn into a voucher.</summary>
internal sealed record NewVoucher(long CommunityId, long ShopId, long AccountId, long? CardId, IReadOnlyList<OrderItem>? Items, long? Points,
    string IssuedVia, string Actor);

/// <summary>The one path that issues a voucher: prices the order, holds the points, writes the voucher and its items.</summary>
internal static class VoucherIssuer
{
    private sealed record ShopRow(long Id, string Name, string Kind, long IsActive);

    private sealed record ProductRow(long Id, long ShopId, string Name, long IsActive, long OnHand, long PointsPrice);

    private const string SelectShop = "SELECT id AS Id, name AS Name, kind AS Kind, is_active AS IsActive FROM shops WHERE id = @shopId AND community_id = @communityId";

    private const string SelectProduct = """
        SELECT id AS Id, shop_id AS ShopId, name AS Name, is_active AS IsActive, on_hand AS OnHand, points_price AS PointsPrice
          FROM products WHERE id = @productId AND community_id = @communityId
        """;

    private const string MemberAccount = "SELECT COUNT(*) FROM accounts WHERE id = @accountId AND community_id = @communityId AND kind IN ('household', 'person')";

    private const string CodeTaken = "SELECT COUNT(*) FROM vouchers WHERE code = @code";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO vouchers (community_id, shop_id, account_id, card_id, code, hold_id, points, status, issued_via, created_by, created_at, expires_at)
            VALUES (@communityId, @shopId, @accountId, @cardId, @code, @holdId, @points, 'issued', @issuedVia, @actor, @now, @expiresAt) RETURNING id
            """,
        SqlServer: """
            INSERT INTO vouchers (community_id, shop_id, account_id, card_id, code, hold_id, points, status, issued_via, created_by, created_at, expires_at)
            VALUES (@communityId, @shopId, @accountId, @cardId, @code, @holdId, @points, 'issued', @issuedVia, @actor, @now, @expiresAt);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string InsertItem = """
        INSERT INTO voucher_items (voucher_id, product_id, quantity, points_price) VALUES (@voucherId, @productId, @quantity, @pointsPrice)
        """;

    public static async Task<Outcome<VoucherRow>> IssueAsync(UnitOfWork work, PointsLedger ledger, NewVoucher order, TimeSpan lifetime,
        CancellationToken ct)
    {
        var communityId = order.CommunityId;
        if (await work.SingleOrDefaultAsync<ShopRow>(SelectShop, new { shopId = order.ShopId, communityId }, ct) is not { } shop)
        {
            return new Failure("shop_not_found", $"community {communityId} has no shop {order.ShopId}");
        }
        if (shop.IsActive == 0)
        {
            return new Failure("shop_inactive", $"shop {shop.Id} is deactivated");
        }
        if (order.Items is not { Count: > 0 } && order.Points is null)
        {
            return new Failure("order_empty", "an order names at least one item (or an amount at a partner shop)");
        }
        if (order.Points is not null && shop.Kind != "partner")
        {
            return new Failure("amount_not_accepted", $"shop {shop.Id} redeems goods: order items, not an amount");
        }
        long points = order.Points ?? 0;
        var lines = new List<(OrderItem Item, long Price)>();
        foreach (var item in order.Items ?? [])
        {
            var product = await work.SingleOrDefaultAsync<ProductRow>(SelectProduct, new { productId = item.ProductId, communityId }, ct);
            if (product is null || product.ShopId != shop.Id)
            {
                return new Failure("product_not_found", $"product {item.ProductId} is not a product of shop {shop.Id}");
            }
            if (product.IsActive == 0)
            {
                return new Failure("product_inactive", $"product {product.Id} ({product.Name}) is no longer offered");
            }
            if (item.Quantity > product.OnHand)
            {
                return new Failure("out_of_stock", $"product {product.Id} ({product.Name}) has {product.OnHand} on hand, {item.Quantity} ordered");
            }
            points += product.PointsPrice * item.Quantity;
            lines.Add((item, product.PointsPrice));
        }
        if (await work.ScalarAsync<long>(MemberAccount, new { accountId = order.AccountId, communityId }, ct) == 0)
        {
            return new Failure("account_not_found", $"community {communityId} has no member account {order.AccountId}");
        }
        var code = VoucherCodes.New();
        while (await work.ScalarAsync<long>(CodeTaken, new { code }, ct) > 0)
        {
            code = VoucherCodes.New();
        }
        var expiresAt = work.Now + lifetime;
        var hold = await ledger.PlaceHoldAsync(work, communityId, order.AccountId, points, $"voucher {code}", order.Actor,
            LedgerKeys.Derived("voucher-hold", code), expiresAt, ct);
        if (!hold.Succeeded)
        {
            return ProblemCatalog.ToFailure(hold.Error!.Value, hold.Detail!);
        }
        var voucherId = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId, shopId = shop.Id, accountId = order.AccountId, cardId = order.CardId, code, holdId = hold.Hold!.Id, points,
            issuedVia = order.IssuedVia, actor = order.Actor, now = work.Now, expiresAt,
        }, ct);
        foreach (var (item, price) in lines)
        {
            await work.ExecuteAsync(InsertItem, new { voucherId, productId = item.ProductId, quantity = item.Quantity, pointsPrice = price }, ct);
        }
        return (await Vouchers.ByIdAsync(work, communityId, voucherId, ct))!;
    }
}

/// <summary>Configuration section <c>Redemption</c>.</summary>
public sealed class RedemptionOptions
{
    /// <summary>How long a voucher holds its points before it expires (<c>Redemption:VoucherMinutes</c>, default 15, 1 to 1440).</summary>
    public int VoucherMinutes { get; set; } = 15;

    public TimeSpan VoucherLifetime => TimeSpan.FromMinutes(Math.Clamp(VoucherMinutes, 1, 24 * 60));
}
