using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Accounts;
using PointsBank.Features.Redemption;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// 下单 on a resident's behalf (<c>/counter/order</c>): find the household by door plate or name, pick the items, and
/// the voucher's QR comes up big on the screen for the counter to scan.
/// </summary>
public sealed class StaffOrderModel(IMediator mediator) : CounterPage(mediator)
{
    [BindProperty(SupportsGet = true, Name = "shopId")]
    public long? PickedShop { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? AccountId { get; set; }

    public IReadOnlyList<AccountMatch> Matches { get; private set; } = [];

    public VoucherView? Voucher { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        if (AccountId is null && !string.IsNullOrWhiteSpace(Q))
        {
            Matches = (await SendAsync(new FindAccounts(CommunityId, Q.Trim(), null, 1, 20), ct))?.Items ?? [];
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? key, CancellationToken ct)
    {
        if (!await ResolveAsync(PickedShop, ct))
        {
            return Forbid();
        }
        Voucher = await SendAsync(new IssueVoucher(CommunityId, ShopId, AccountId ?? 0, PickedItems(),
            IdempotencyKey: key), ct);
        return Page();
    }
}
