using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Redemption;

namespace PointsBank.Pages.Redemption;

/// <summary>The printable receipt (兑换小票): the shop, the items, the points, the balance after, the time, the number.</summary>
public sealed class ReceiptModel(IMediator mediator) : CounterPage(mediator)
{
    [FromRoute]
    public string ReceiptNo { get; set; } = "";

    [BindProperty(SupportsGet = true, Name = "shopId")]
    public long? PickedShop { get; set; }

    /// <summary>Shown after a scan of a voucher that was already redeemed.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Again { get; set; }

    public RedemptionReceipt? Receipt { get; private set; }

    public string LocalTime(DateTime utc) => Time.Local(utc);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        Receipt = await SendAsync(new GetReceipt(CommunityId, ReceiptNo), ct);
        return Receipt is null && Error is null ? NotFound() : Page();
    }
}
