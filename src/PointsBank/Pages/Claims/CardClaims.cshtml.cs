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
/// The resident's 申报 page, <c>/c/{token}/claims</c> (no sign-in; the card is the proof, its PIN the second): pick a
/// rule residents may claim, the day, the member of the household (names masked), an evidence note and the PIN; then
/// the account's claims with their status in plain words (待审核, 公示中 until…, 已入账, 未通过 with the reason, 已撤回,
/// 异议成立) and a 撤回 button (with the PIN) while a claim has not posted.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class CardClaimsModel(IMediator mediator, CardHolders cards, CallerContext callers) : CardPage(mediator, cards, callers)
{
    public CardClaims? Data { get; private set; }

    /// <summary>What was just done (after the redirect): <c>submitted</c> or <c>withdrawn</c>, with the claim.</summary>
    [BindProperty(SupportsGet = true, Name = "ok")]
    public string? Ok { get; set; }

    [BindProperty(SupportsGet = true, Name = "claim")]
    public long? OkClaim { get; set; }

    // The form's values, kept when a submission is refused.
    [BindProperty]
    public string? RuleCode { get; set; }

    [BindProperty]
    public long? MemberId { get; set; }

    [BindProperty]
    public DateOnly? OccurredOn { get; set; }

    [BindProperty]
    public string? EvidenceNote { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? pin, string? key, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return Page();
        }
        var card = Card!;
        var claim = await SendAsync(new SubmitClaim(card.CommunityId, card.AccountId, MemberId, RuleCode ?? "", null, OccurredOn,
            EvidenceNote, key, Token, pin ?? ""), ct);
        if (claim is null)
        {
            await LoadAsync(ct);
            return Page();
        }
        return Redirect($"/c/{Uri.EscapeDataString(Token)}/claims?ok=submitted&claim={claim.Id}");
    }

    public async Task<IActionResult> OnPostWithdrawAsync(long claimId, string? reason, string? pin, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return Page();
        }
        var card = Card!;
        var why = string.IsNullOrWhiteSpace(reason) ? "居民本人撤回" : reason;
        var withdrawn = await SendAsync(new WithdrawClaim(card.CommunityId, claimId, why, Token, pin ?? ""), ct);
        if (withdrawn is null)
        {
            await LoadAsync(ct);
            return Page();
        }
        return Redirect($"/c/{Uri.EscapeDataString(Token)}/claims?ok=withdrawn&claim={withdrawn.Id}");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (!await ActAsCardAsync(ct))
        {
            return false;
        }
        Data = (await Mediator.Send(new GetCardClaims(Card!.CommunityId, Card.AccountId), ct)).Value;
        return Data is not null;
    }

    public string? Message => (Ok, OkClaim) switch
    {
        ("submitted", { } id) => T($"已提交申报 #{id}，等待评议员审核。审核通过后公示，公示期满无异议即入账。",
            $"Claim #{id} submitted: a reviewer checks it, then it is publicly noticed, then posted."),
        ("withdrawn", { } id) => T($"申报 #{id} 已撤回，不会入账。", $"Claim #{id} withdrawn; it will not post."),
        _ => null,
    };

    /// <summary>The claim's status in plain words, with the date or reason that goes with it.</summary>
    public string StatusText(CardClaimView claim) => claim.Status switch
    {
        ClaimStatus.Submitted => T("待审核", "Waiting for review"),
        ClaimStatus.Noticed => T($"公示中，至 {Time.Local(claim.NoticeUntil)}", $"On public notice until {Time.Local(claim.NoticeUntil)}"),
        ClaimStatus.Posted => T("已入账", "Posted"),
        ClaimStatus.Rejected => T("未通过", "Not approved"),
        ClaimStatus.Withdrawn => T("已撤回", "Withdrawn"),
        ClaimStatus.Objected => T("异议成立，不入账", "Objection upheld; it will not post"),
        _ => claim.Status,
    };

    /// <summary>The reason shown under a status that has one (rejected, withdrawn, stopped by an objection).</summary>
    public static string? Reason(CardClaimView claim) => claim.Status switch
    {
        ClaimStatus.Rejected => claim.ReviewNote,
        ClaimStatus.Withdrawn => claim.WithdrawReason,
        ClaimStatus.Objected => claim.ObjectionReason,
        _ => null,
    };
}
