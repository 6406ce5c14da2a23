using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Cards;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Cards;

/// <summary>
/// The resident's card page, <c>/c/{token}</c>: what any phone camera opens from the card's QR. No sign-in: the token
/// makes the request a card holder's (<see cref="CardHolders"/>), which may read its own account and nothing else.
/// Shows the community, the masked name and door-plate code, balance, held and available points, this month's points
/// the vouchers still to be collected (QR, code, items, expiry, a cancel button) and the latest entries with their explanations. A malformed, unknown or revoked token gets one plain "card not
/// valid" page with 404, the same for each; nothing is cached and no referrer leaves the page.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class HolderModel(IMediator mediator, CardHolders cards, CallerContext callers) : ShellPage
{
    public const int RecentEntries = 10;

    [FromRoute]
    public string Token { get; set; } = "";

    public CardHolderView? Holder { get; private set; }

    public BalanceView? Balance { get; private set; }

    public IReadOnlyList<HistoryItem> Entries { get; private set; } = [];

    /// <summary>The card's vouchers still to be collected, with their QR and code: a voucher is not lost when its page is left.</summary>
    public IReadOnlyList<Features.Redemption.VoucherView> OpenVouchers { get; private set; } = [];

    /// <summary>Set after a voucher was cancelled here (<c>?cancelled=1</c>, the redirect after the post).</summary>
    [BindProperty(SupportsGet = true)]
    public bool Cancelled { get; set; }

    public string? Error { get; private set; }

    /// <summary>The card's volunteers with their certified hours, star level and latest records (empty when none).</summary>
    public IReadOnlyList<Features.Volunteers.VolunteerRecordsView> Volunteering { get; private set; } = [];

    public Task<IActionResult> OnGetAsync(CancellationToken ct) => ShowAsync(ct);

    /// <summary>
    /// 取消兑换券 from the card page: the card token is the proof, as on the order page (no PIN: cancelling gives points
    /// back and spends nothing, <see cref="Features.Redemption.CancelVoucher"/>); another account's voucher is "not found".
    /// </summary>
    public async Task<IActionResult> OnPostCancelAsync(long voucherId, CancellationToken ct)
    {
        if (await cards.ActAsAsync(callers, Token, ct) is { } card)
        {
            try
            {
                var outcome = await mediator.Send(new Features.Redemption.CancelVoucher(card.CommunityId, voucherId, Token), ct);
                if (outcome.Succeeded)
                {
                    return Redirect($"/c/{Uri.EscapeDataString(Token)}?cancelled=true");
                }
                Error = PageText.Problem(this, outcome.Failure!);
            }
            catch (RequestValidationException e)
            {
                Error = PageText.Invalid(this, e);
            }
        }
        return await ShowAsync(ct);
    }

    private async Task<IActionResult> ShowAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        if (await cards.ActAsAsync(callers, Token, ct) is { } card)
        {
            await UseCommunityTimeAsync(card.CommunityId, ct);
            var holder = await mediator.Send(new GetCardHolder(card.CommunityId, card.AccountId), ct);
            var balance = await mediator.Send(new GetBalance(card.CommunityId, card.AccountId), ct);
            var history = await mediator.Send(new GetHistory(card.CommunityId, card.AccountId, 1, RecentEntries), ct);
            if (holder.Succeeded && balance.Succeeded && history.Succeeded)
            {
                (Holder, Balance, Entries) = (holder.Value, balance.Value, history.Value!.Items);
                OpenVouchers = (await mediator.Send(new Features.Redemption.GetOrderCatalog(card.CommunityId, CardToken: Token), ct)).Value?.OpenVouchers ?? [];
                Volunteering = (await mediator.Send(new Features.Volunteers.GetCardVolunteering(card.CommunityId, card.AccountId), ct)).Value?.Volunteers ?? [];
                return Page();
            }
        }
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    /// <summary>
    /// Why an entry happened, in a resident's words. A correction names the entry it undid — its day, what it was and
    /// its points — instead of the ledger's "更正第 N 笔" (card pages never show entry numbers), then the reason.
    /// </summary>
    public string Why(HistoryItem item)
    {
        if (item.ReversesSeq is null)
        {
            return item.Explanation;
        }
        var reason = item.ReversalReason?.Trim() ?? "";
        var undone = -item.Amount;
        var points = undone > 0 ? $"+{undone}" : undone.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var day = item.EffectiveDate is { } d ? T($"{d.Month}月{d.Day}日 ", d.ToString("yyyy-MM-dd ", System.Globalization.CultureInfo.InvariantCulture)) : "";
        var what = item.ReversesExplanation ?? "";
        var said = T($"更正：撤销 {day}{what} {points}", $"Correction: undoes {day}{what} {points}");
        return reason.Length == 0 ? said : said + T($"（{reason}）", $" ({reason})");
    }

    /// <summary>The day an entry belongs to: its effective date, else the community's local day it was posted.</summary>
    public string Day(HistoryItem item) =>
        (item.EffectiveDate ?? Time.Day(item.OccurredAt)).ToString(Ledger.Projections.DateFormat, System.Globalization.CultureInfo.InvariantCulture);
}
