using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Claims;

/// <summary>
/// 公示与异议 from the resident's card, <c>/c/{token}/notices</c>: the community's claims on public notice (names masked
/// as on the public list) with an 提出异议 form each (a reason and the card's PIN). The public list
/// <c>/notices/{c}</c> cannot take objections itself: it does not know who is objecting; the card page does.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class CardNoticesModel(IMediator mediator, CardHolders cards, CallerContext callers) : CardPage(mediator, cards, callers)
{
    public IReadOnlyList<NoticeView>? Notices { get; private set; }

    [BindProperty(SupportsGet = true, Name = "objected")]
    public long? Objected { get; set; }

    /// <summary>The notice whose form was refused, so its reason stays typed in.</summary>
    public long? FailedClaim { get; private set; }

    public string? FailedReason { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long claimId, string? reason, string? pin, string? key, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return Page();
        }
        var objection = await SendAsync(new ObjectToClaim(Card!.CommunityId, claimId, reason ?? "", key, Token, pin ?? ""), ct);
        if (objection is null)
        {
            (FailedClaim, FailedReason) = (claimId, reason);
            return Page();
        }
        return Redirect($"/c/{Uri.EscapeDataString(Token)}/notices?objected={objection.ClaimId}");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (!await ActAsCardAsync(ct))
        {
            return false;
        }
        Notices = (await Mediator.Send(new ListNotices(Card!.CommunityId), ct)).Value;
        return Notices is not null;
    }
}
