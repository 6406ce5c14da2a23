using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Points;
using PointsBank.Features.Redemption;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// Card + PIN at the counter (<c>/counter/card</c>) for a resident without a phone: the card was scanned, the
/// shopkeeper picks the items, the resident types the PIN, one confirmation issues and redeems in one go. Above the
/// goods: whose card it is (door plate and masked name, as the card prints them) and the points available to spend
/// (<see cref="GetBalance"/>: balance less what open vouchers hold). A card without a PIN, or locked, says so instead of
/// the order form, which could only be refused; an unknown or revoked card is refused when confirmed, as before. The
/// card's vouchers waiting to be collected are listed with their order, and those of this shop can be confirmed here
/// (the counter's own confirm), so a resident whose voucher page was lost is served from the card alone.
/// </summary>
public sealed class CardOrderModel(IMediator mediator) : CounterPage(mediator)
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty(SupportsGet = true, Name = "shopId")]
    public long? PickedShop { get; set; }

    /// <summary>The scanned card's holder, or null when the token names no active card of this community.</summary>
    public CounterCard? Card { get; private set; }

    /// <summary>The card's account's points available to spend (balance less holds), when the card was found.</summary>
    public long? Available { get; private set; }

    /// <summary>False when the card can only be refused at confirmation: no PIN set yet, or locked.</summary>
    public bool CanPay => Card is null || (Card.HasPin && !Card.Locked);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        await ReadCardAsync(ct);
        return Page();
    }

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
            await ReadCardAsync(ct);
            return Page();
        }
        if (await SendAsync(new ConfirmRedemption(CommunityId, ShopId, CardToken: Token ?? "", Pin: pin ?? "", Items: items, IdempotencyKey: key), ct) is { } receipt)
        {
            return Redirect($"/counter/receipts/{Uri.EscapeDataString(receipt.ReceiptNo)}?shopId={ShopId}");
        }
        // Only after a refusal is the card read again; a refusal for want of points then says how many its uncollected
        // vouchers hold (the busy counter's confirmation itself reads nothing more).
        await ReadCardAsync(ct);
        if (Refused is { } refused)
        {
            Error = OpenVoucherText.Refusal(this, refused, HeldByVouchers);
        }
        return Page();
    }

    // After a refusal too, so the holder, the points now available and a card locked by this very PIN show.
    private async Task ReadCardAsync(CancellationToken ct)
    {
        if ((await Mediator.Send(new GetCounterCard(CommunityId, ShopId, Token), ct)).Value is not { } card)
        {
            return;
        }
        Card = card;
        HeldByVouchers = card.OpenVouchers.Sum(v => v.Points);
        Available = (await Mediator.Send(new GetBalance(CommunityId, card.AccountId), ct)).Value?.Available;
    }
}
