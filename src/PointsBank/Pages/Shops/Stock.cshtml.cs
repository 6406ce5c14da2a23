using System.Globalization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Shops;

/// <summary>
/// 商品与库存, one shop: its products with price, unit and stock on hand (running low and none marked), adding a
/// product, changing its price, unit or whether it is offered, and for each product 进货 (restock), 捐赠入库 (a
/// donation: donor and estimated value in yuan) and 盘点更正 (stock-take: the counted number, from which the page works
/// out the correction, with why it differs); and the movement history (who, when, what, donor and value). Each form
/// carries its own Idempotency-Key, so a double click moves the stock once.
/// </summary>
public sealed class StockModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long ShopId { get; set; }

    /// <summary>The product whose history is shown (<c>?product=</c>); without it, the shop's latest movements.</summary>
    [BindProperty(SupportsGet = true, Name = "product")]
    public long? ProductId { get; set; }

    public ShopView? Shop { get; private set; }

    public IReadOnlyList<ProductView> Products { get; private set; } = [];

    public RosterPage<MovementView>? Movements { get; private set; }

    public ProductView? Selected => Products.FirstOrDefault(p => p.Id == ProductId);

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    /// <summary>The committee, admins and this shop's own shopkeeper manage the goods (the requests check again).</summary>
    public bool CanManage =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current is var caller
        && (caller.Kind == CallerKind.System || caller.IsSystemAdmin
            || caller.Grants.Any(g => g.CommunityId == CommunityId
                && (g.Role is Role.Committee or Role.Admin || (g.Role == Role.Shopkeeper && g.ShopId == ShopId))));

    /// <summary>The committee sees the list of all shops; a shopkeeper has just this one.</summary>
    public bool SeesAllShops =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current is var caller
        && (caller.Kind == CallerKind.System || caller.IsSystemAdmin || caller.Grants.Any(g => g.CommunityId == CommunityId && g.Role != Role.Shopkeeper));

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Shop is null && Error is null ? NotFound() : Page();
    }

    public Task<IActionResult> OnPostAddAsync(string? name, string? unit, long? pointsPrice, string? key, CancellationToken ct) =>
        SendAsync(new AddProduct(CommunityId, ShopId, name ?? "", pointsPrice ?? 0, unit ?? "", key),
            p => T($"已添加商品“{p.Name}”，{p.PointsPrice} 分/{p.Unit}。请登记进货或捐赠入库。", $"Added “{p.Name}” at {p.PointsPrice} points a {p.Unit}. Record its stock next."),
            _ => null, ct);

    public Task<IActionResult> OnPostUpdateAsync(long productId, string? name, string? unit, long? pointsPrice, bool? isActive, CancellationToken ct) =>
        SendAsync(new UpdateProduct(CommunityId, ShopId, productId, name, pointsPrice, unit, isActive),
            p => T($"已修改“{p.Name}”：{p.PointsPrice} 分/{p.Unit}，{(p.IsActive ? "上架" : "已下架")}",
                $"“{p.Name}” changed: {p.PointsPrice} points a {p.Unit}, {(p.IsActive ? "offered" : "withdrawn")}"),
            p => p.Id, ct);

    public Task<IActionResult> OnPostRestockAsync(long productId, long? quantity, string? note, string? key, CancellationToken ct) =>
        MoveAsync(new RecordStockMovement(CommunityId, ShopId, productId, StockKinds.Restock, quantity ?? 0, Note: Blank(note), IdempotencyKey: key), ct);

    public Task<IActionResult> OnPostDonationAsync(long productId, long? quantity, string? donor, string? valueYuan, string? note, string? key,
        CancellationToken ct)
    {
        decimal? value = null;
        if (!string.IsNullOrWhiteSpace(valueYuan))
        {
            if (!decimal.TryParse(valueYuan.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed))
            {
                return RefuseAsync(T("估价请填写金额（元），例如 160 或 96.50", "Write the value in yuan, e.g. 160 or 96.50"), productId, ct);
            }
            value = parsed;
        }
        return MoveAsync(new RecordStockMovement(CommunityId, ShopId, productId, StockKinds.Donation, quantity ?? 0, donor ?? "", value, Blank(note), key), ct);
    }

    /// <summary>
    /// 盘点: the shopkeeper types what is on the shelf; the correction is that minus the stock on hand the form showed. If
    /// the stock moved since the form was shown (a redemption at the counter meanwhile), the count is asked for again
    /// rather than guessed.
    /// </summary>
    public async Task<IActionResult> OnPostCountAsync(long productId, long? counted, long shown, string? note, string? key, CancellationToken ct)
    {
        if (counted is not { } count || count < 0)
        {
            return await RefuseAsync(T("请填写盘点到的实际数量（0 或更多）", "Write the number counted on the shelf (0 or more)"), productId, ct);
        }
        await LoadAsync(ct);
        if (Products.FirstOrDefault(p => p.Id == productId) is not { } product)
        {
            return await RefuseAsync(PageText.Problem(this, Catalogue.ProductNotFound(ShopId, productId)), productId, ct);
        }
        if (product.OnHand != shown)
        {
            return await RefuseAsync(T($"“{product.Name}”的库存刚刚变动过（现在是 {product.OnHand}），请重新盘点后再提交。",
                $"The stock of “{product.Name}” just changed (it is {product.OnHand} now); count again and send."), productId, ct);
        }
        if (count == product.OnHand)
        {
            Done = T($"“{product.Name}”盘点数量与库存一致（{count} {product.Unit}），无需更正。", $"The count of “{product.Name}” matches the stock ({count}); nothing to correct.");
            return Redirect(Here(productId));
        }
        return await MoveAsync(new RecordStockMovement(CommunityId, ShopId, productId, StockKinds.Correction, count - product.OnHand, Note: note,
            IdempotencyKey: key), ct);
    }

    private Task<IActionResult> MoveAsync(RecordStockMovement request, CancellationToken ct) =>
        SendAsync(request, recorded =>
        {
            var (m, p) = (recorded.Movement, recorded.Product);
            var what = ShopWords.Movement(this, m.Kind);
            return T($"已登记{what}：{p.Name} {(m.Quantity > 0 ? "+" : "")}{m.Quantity} {p.Unit}，现有库存 {p.OnHand} {p.Unit}",
                $"{what} recorded: {p.Name} {(m.Quantity > 0 ? "+" : "")}{m.Quantity}, {p.OnHand} on hand now");
        }, r => r.Product.Id, ct);

    private async Task<IActionResult> SendAsync<T>(IRequest<Outcome<T>> request, Func<T, string> done, Func<T, long?> show, CancellationToken ct)
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                Done = done(outcome.Value!);
                return Redirect(Here(show(outcome.Value!)));
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task<IActionResult> RefuseAsync(string error, long productId, CancellationToken ct)
    {
        Error = error;
        ProductId = productId;
        await LoadAsync(ct);
        return Page();
    }

    // After a change the page opens at the top, where the message says what was done; the product's history is below.
    private string Here(long? product) => product is { } id ? $"/shops/{CommunityId}/{ShopId}?product={id}" : $"/shops/{CommunityId}/{ShopId}";

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private async Task LoadAsync(CancellationToken ct)
    {
        try
        {
            var shop = await mediator.Send(new GetShop(CommunityId, ShopId), ct);
            if (!shop.Succeeded)
            {
                Error ??= PageText.Problem(this, shop.Failure!);
                return;
            }
            Shop = shop.Value;
            Products = (await mediator.Send(new ListProducts(CommunityId, ShopId), ct)).Value ?? [];
            if (CanManage)
            {
                Movements = (ProductId is { } product && Selected is not null
                    ? await mediator.Send(new ListProductMovements(CommunityId, ShopId, product, PageSize: 30), ct)
                    : await mediator.Send(new ListShopMovements(CommunityId, ShopId, PageSize: 30), ct)).Value;
            }
        }
        catch (ForbiddenException e)
        {
            Error ??= PageText.Problem(this, new Failure(e.Code, e.Message));
        }
    }
}
