using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Redemption;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// 柜台兑换 (<c>/counter</c>): one big field that a USB or Bluetooth scanner types into (the code, then Enter), or the
/// phone's camera fills; the scanned voucher's order, points, masked name and balance after, and a big 确认兑换
/// button; a voucher already redeemed shows 已兑换 with its receipt. A scanned card URL goes to card + PIN.
/// </summary>
public sealed class CounterModel(IMediator mediator) : CounterPage(mediator)
{
    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true, Name = "shopId")]
    public long? PickedShop { get; set; }

    public VoucherPreview? Preview { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        if (string.IsNullOrWhiteSpace(Code))
        {
            return Page();
        }
        if (CardTokenIn(Code) is { } token)
        {
            return Redirect($"/counter/card?shopId={ShopId}&token={Uri.EscapeDataString(token)}");
        }
        Preview = await SendAsync(new PreviewVoucher(CommunityId, Code.Trim(), ShopId), ct);
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        if (await SendAsync(new ConfirmRedemption(CommunityId, ShopId, Code?.Trim() ?? ""), ct) is { } receipt)
        {
            return Redirect($"/counter/receipts/{Uri.EscapeDataString(receipt.ReceiptNo)}?shopId={ShopId}" + (receipt.AlreadyRedeemed ? "&again=1" : ""));
        }
        return Page();
    }
}
