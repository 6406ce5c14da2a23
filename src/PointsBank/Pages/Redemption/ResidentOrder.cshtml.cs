using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Redemption;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// The resident's own order page (<c>/c/{token}/order</c>, no sign-in): the shop's goods, quantities, the card's PIN,
/// then the voucher's QR large with its code and expiry, and a cancel button. The card token in the address is the
/// resident's proof of who they are; the PIN is the second. Above the form: the card's vouchers still to be collected
/// (each with its QR, code and a cancel button, so a voucher is not lost when the resident leaves its page), and a card
/// without a PIN, or locked, says so and whom to ask before the resident types anything (the form could only be refused).
/// </summary>
[AllowAnonymous]
public sealed class ResidentOrderModel(IMediator mediator, PointsBank.Features.Cards.CardHolders cards) : ShellPage
{
    [FromRoute]
    public string Token { get; set; } = "";

    [BindProperty(SupportsGet = true, Name = "shopId")]
    public long? PickedShop { get; set; }

    public long CommunityId { get; private set; }

    public OrderCatalog? Catalog { get; private set; }

    public VoucherView? Voucher { get; private set; }

    public string? Error { get; private set; }

    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string? pin, string? key, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }
        var items = Request.Form.Keys.Where(k => k.StartsWith("qty-", StringComparison.Ordinal))
            .Select(k => (Id: long.TryParse(k[4..], out var id) ? id : 0, Q: int.TryParse(Request.Form[k], out var q) ? q : 0))
            .Where(l => l.Id > 0 && l.Q > 0).Select(l => new OrderItem(l.Id, l.Q)).ToList();
        // The refusal explains points held by open vouchers: the catalogue was read just above, with them.
        Voucher = await SendAsync(new IssueVoucher(CommunityId, Catalog!.ShopId ?? 0, Items: items, CardToken: Token, Pin: pin ?? "",
            IdempotencyKey: key), ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(long voucherId, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }
        if (await SendAsync(new CancelVoucher(CommunityId, voucherId, Token), ct) is not null)
        {
            Done = T("兑换券已取消，积分已退回。", "The voucher is cancelled; the points are available again.");
            await LoadAsync(ct);
        }
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        // The one token resolver of the cards slice: a malformed, unknown or revoked token is "not found" alike.
        if (await cards.ResolveAsync(Token, ct) is not { } card)
        {
            return false;
        }
        var community = card.CommunityId;
        CommunityId = community;
        await UseCommunityTimeAsync(community, ct);
        Catalog = (await mediator.Send(new GetOrderCatalog(community, PickedShop, Token), ct)).Value;
        return Catalog is not null;
    }

    private async Task<T?> SendAsync<T>(IRequest<Infrastructure.Outcome<T>> request, CancellationToken ct) where T : class
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                return outcome.Value;
            }
            Error = OpenVoucherText.Refusal(this, outcome.Failure!, Catalog?.OpenVoucherPoints ?? 0);
        }
        catch (Infrastructure.RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        return null;
    }
}
