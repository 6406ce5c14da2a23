using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Redemption;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// Card + PIN at the counter (<c>/counter/card</c>) for a resident without a phone: the card was scanned, the
/// shopkeeper picks the items, the resident types the PIN, one confirmation issues and redeems in one go.
/// </summary>
public sealed class CardOrderModel(IMediator mediator) : CounterPage(mediator)
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty(SupportsGet = true, Name = "shopId")]
    public long? PickedShop { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await ResolveAsync(PickedShop, ct) ? Page() : Forbid();

    public async Task<IActionResult> OnPostAsync(string? pin, string? key, CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        var items = PickedItems();
        if (items.Count == 0)
        {
            Error = PageText.Problem(this, new Infrastructure.Failure("order_empty", ""));
            return Page();
        }
        if (await SendAsync(new ConfirmRedemption(CommunityId, ShopId, CardToken: Token ?? "", Pin: pin ?? "", Items: items, IdempotencyKey: key), ct) is { } receipt)
        {
            return Redirect($"/counter/receipts/{Uri.EscapeDataString(receipt.ReceiptNo)}?shopId={ShopId}");
        }
        return Page();
    }
}
