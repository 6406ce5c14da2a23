using MediatR;
using PointsBank.Features.Redemption;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// What the counter pages share: the community and shop the caller works at — a shopkeeper's own shop, or for the
/// committee the shop picked (<c>?shopId=</c>, else the community's first) — and the sending of the slice's requests
/// with refusals turned into plain words.
/// </summary>
public abstract class CounterPage(IMediator mediator) : ShellPage
{
    protected IMediator Mediator => mediator;

    public long CommunityId { get; private set; }

    public long ShopId { get; private set; }

    public string ShopName { get; private set; } = "";

    /// <summary>The shops a committee member may pick from; empty for a shopkeeper (bound to one).</summary>
    public IReadOnlyList<CatalogShop> Shops { get; private set; } = [];

    public IReadOnlyList<CatalogProduct> Products { get; private set; } = [];

    public string? Error { get; protected set; }

    /// <summary>The communities the caller keeps a counter in, with their names, when there are several (the picker); else empty.</summary>
    public IReadOnlyList<(long Id, string Name)> Communities { get; private set; } = [];

    /// <summary>
    /// False when the caller keeps no counter (no shopkeeper or committee role, or no shop yet). Someone with a counter
    /// in several communities (a committee member of two villages) works in the one picked (<c>?communityId=</c>), else
    /// the one the shop of <c>?shopId=</c> belongs to (so every link that carries a shop keeps its community), else the first.
    /// </summary>
    protected async Task<bool> ResolveAsync(long? shopId, CancellationToken ct)
    {
        var caller = HttpContext.RequestServices.GetRequiredService<CallerContext>().Current;
        var counters = caller.Grants
            .Where(g => g.CommunityId is not null && (g.Role == Role.Committee || g is { Role: Role.Shopkeeper, ShopId: not null }))
            .Select(g => g.CommunityId!.Value).Distinct().ToList();
        if (counters.Count == 0)
        {
            return false;
        }
        var asked = Request.Query["communityId"].FirstOrDefault() ?? (Request.HasFormContentType ? Request.Form["communityId"].FirstOrDefault() : null);
        var community = long.TryParse(asked, out var picked) && counters.Contains(picked) ? picked
            : shopId is { } wanted && counters.Count > 1 ? await CommunityOfShopAsync(caller, counters, wanted, ct) ?? counters[0]
            : counters[0];
        var committee = caller.Grants.FirstOrDefault(g => g.Role == Role.Committee && g.CommunityId == community);
        var shopkeeper = caller.Grants.FirstOrDefault(g => g is { Role: Role.Shopkeeper, ShopId: not null } && g.CommunityId == community);
        CommunityId = community;
        await UseCommunityTimeAsync(community, ct);
        var catalog = await mediator.Send(new GetOrderCatalog(CommunityId, committee is null ? shopkeeper!.ShopId : shopId), ct);
        if (catalog.Value is not { ShopId: { } shop } found)
        {
            return false;
        }
        ShopId = shop;
        ShopName = found.Shops.First(s => s.ShopId == shop).Name;
        Shops = committee is null ? [] : found.Shops;
        Products = found.Products;
        if (counters.Count > 1)
        {
            var names = new List<(long, string)>();
            foreach (var id in counters)
            {
                var view = await mediator.Send(new Features.Communities.GetCommunity(id), ct);
                names.Add((id, view.Value?.Name ?? $"#{id}"));
            }
            Communities = names;
        }
        return true;
    }

    private async Task<long?> CommunityOfShopAsync(Caller caller, IReadOnlyList<long> counters, long shopId, CancellationToken ct)
    {
        if (caller.Grants.FirstOrDefault(g => g.Role == Role.Shopkeeper && g.ShopId == shopId) is { CommunityId: { } own })
        {
            return own;
        }
        foreach (var id in counters.Where(c => caller.Grants.Any(g => g.Role == Role.Committee && g.CommunityId == c)))
        {
            if ((await mediator.Send(new GetOrderCatalog(id, shopId), ct)).Value?.ShopId == shopId)
            {
                return id;
            }
        }
        return null;
    }

    /// <summary>Points held by the vouchers of the card being served, to explain a "可用积分不足" (0 when none or no card).</summary>
    protected long HeldByVouchers { get; set; }

    /// <summary>The refusal of the last <see cref="SendAsync{T}"/>, so a page that reads the card only after a refusal can word it again.</summary>
    protected Failure? Refused { get; private set; }

    /// <summary>Sends a request of the slice; a refusal becomes <see cref="Error"/> in the reader's language.</summary>
    protected async Task<T?> SendAsync<T>(IRequest<Outcome<T>> request, CancellationToken ct) where T : class
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                return outcome.Value;
            }
            Refused = outcome.Failure!;
            Error = OpenVoucherText.Refusal(this, Refused, HeldByVouchers);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        return null;
    }

    /// <summary>The quantities picked on a form (<c>qty-{productId}</c>), as order lines.</summary>
    protected IReadOnlyList<OrderItem> PickedItems() =>
        [.. Request.Form.Keys.Where(k => k.StartsWith("qty-", StringComparison.Ordinal))
            .Select(k => (Id: long.TryParse(k[4..], out var id) ? id : 0, Quantity: int.TryParse(Request.Form[k], out var q) ? q : 0))
            .Where(l => l.Id > 0 && l.Quantity > 0)
            .Select(l => new OrderItem(l.Id, l.Quantity))];

    /// <summary>The card token in a scanned card URL (…/c/&lt;token&gt;), or null when the text is not one.</summary>
    public static string? CardTokenIn(string? scanned)
    {
        if (string.IsNullOrWhiteSpace(scanned))
        {
            return null;
        }
        var text = scanned.Trim();
        var at = text.LastIndexOf("/c/", StringComparison.Ordinal);
        var token = at < 0 ? null : text[(at + 3)..].Split('/', '?', '#')[0];
        return Features.Cards.CardSecrets.LooksLikeToken(token) ? token : null;
    }
}
