using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Claims;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Claims;

/// <summary>
/// 审核申报: the reviewer's queue — claims waiting for review (approve with an optional note, reject with a reason;
/// never one's own: the request refuses it) — and the claims in their 公示 window with their objections, which the
/// committee sustains or dismisses with a reason. The page only shows; the requests decide who may do what.
/// </summary>
public sealed class ReviewModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    public IReadOnlyList<ClaimView> Submitted { get; private set; } = [];

    public IReadOnlyList<ClaimView> Noticed { get; private set; } = [];

    public IReadOnlyDictionary<string, RuleView> Rules { get; private set; } = new Dictionary<string, RuleView>();

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    /// <summary>What a decision was refused for, after the redirect (Post/Redirect/Get, like <see cref="Done"/>).</summary>
    [TempData]
    public string? Refused { get; set; }

    /// <summary>The decided claims the page lists (<c>?status=posted|rejected|withdrawn|objected</c>); none when not asked.</summary>
    [BindProperty(SupportsGet = true, Name = "status")]
    public string? DecidedStatus { get; set; }

    /// <summary>The statuses of decided claims, each with its words, for the filter.</summary>
    public IReadOnlyList<(string Status, string Words)> DecidedStatuses =>
    [
        (ClaimStatus.Posted, T("已入账", "Posted")), (ClaimStatus.Rejected, T("未通过", "Rejected")),
        (ClaimStatus.Withdrawn, T("已撤回", "Withdrawn")), (ClaimStatus.Objected, T("因异议终止", "Stopped by an objection")),
    ];

    /// <summary>How many decided claims the page shows, newest first.</summary>
    public const int DecidedShown = 50;

    public IReadOnlyList<ClaimView> Decided { get; private set; } = [];

    public long DecidedTotal { get; private set; }

    /// <summary>
    /// Whether this caller may decide the claim: nobody reviews what they submitted themselves (the request refuses it
    /// as self_approval), so the page offers them no 通过/不通过 and says who decides instead.
    /// </summary>
    public bool CanReview(ClaimView claim) =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current.Actor != claim.SubmittedBy;

    public bool CanDecide => IsCommittee(CommunityId);

    /// <summary>The submitter may withdraw their own claim, the committee any (the request decides; the page offers).</summary>
    public bool CanWithdraw(ClaimView claim) =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current is var caller
        && (caller.Holds(CommunityId, Role.Committee) || claim.SubmittedBy == caller.Actor);

    /// <summary>Who did something on this claim, in words (a staff user's display name; a card, the command line in words).</summary>
    public string Who(ClaimView claim, string? actor) => ActorWords.Of(this, actor, claim.ActorNames);

    /// <summary>Who submitted the claim: a card may only submit for its own account, so a card is the resident themself.</summary>
    public string Submitter(ClaimView claim) =>
        ActorWords.Of(this, claim.SubmittedBy, claim.ActorNames, T("居民本人（刷卡申报）", "The resident (with their card)"));

    /// <summary>Whose claim it is: the household's code, the person account's holder, and the member it names (masked as the view says).</summary>
    public string Whose(ClaimView claim)
    {
        var parts = new List<string> { $"{T("户号", "Household")}{T("：", ": ")}{claim.HouseholdCode ?? "—"}" };
        if (claim.AccountHolderName is { } holder)
        {
            parts.Add($"{T("个人账户", "Personal account")}{T("：", ": ")}{holder}");
        }
        if (claim.MemberName is { } member && member != claim.AccountHolderName)
        {
            parts.Add($"{T("本人", "Member")}{T("：", ": ")}{member}");
        }
        return string.Join(" · ", parts);
    }

    public string RuleName(string code) => Rules.TryGetValue(code, out var rule) ? T(rule.NameZh, rule.NameEn) : code;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostApproveAsync(long claimId, string? note, string? key, CancellationToken ct) =>
        SendAsync(new ApproveClaim(CommunityId, claimId, string.IsNullOrWhiteSpace(note) ? null : note, key),
            c => c.Status == ClaimStatus.Posted
                ? T($"申报 #{c.Id} 已通过并入账（第 {c.PostedSeq} 笔）", $"Claim #{c.Id} approved and posted (entry {c.PostedSeq})")
                : T($"申报 #{c.Id} 已通过，公示至 {Local(c.NoticeUntil)}", $"Claim #{c.Id} approved; on notice until {Local(c.NoticeUntil)}"), ct);

    public Task<IActionResult> OnPostRejectAsync(long claimId, string? reason, string? key, CancellationToken ct) =>
        SendAsync(new RejectClaim(CommunityId, claimId, reason ?? "", key), c => T($"申报 #{c.Id} 未通过", $"Claim #{c.Id} rejected"), ct);

    public Task<IActionResult> OnPostDecideAsync(long objectionId, bool sustain, string? reason, CancellationToken ct) =>
        SendAsync(new DecideObjection(CommunityId, objectionId, sustain, reason ?? ""),
            o => sustain ? T($"已支持异议，申报 #{o.ClaimId} 终止", $"Objection sustained; claim #{o.ClaimId} stopped")
                         : T($"已驳回异议，申报 #{o.ClaimId} 公示期满后入账", $"Objection dismissed; claim #{o.ClaimId} posts when its window closes"), ct);

    public Task<IActionResult> OnPostWithdrawAsync(long claimId, string? reason, CancellationToken ct) =>
        SendAsync(new WithdrawClaim(CommunityId, claimId, reason ?? ""), c => T($"申报 #{c.Id} 已撤回，不会入账", $"Claim #{c.Id} withdrawn; it will not post"), ct);

    /// <summary>An instant in the community's time, as the page shows it.</summary>
    public string Local(DateTime? utc) => Time.Local(utc);

    private async Task<IActionResult> SendAsync<T>(IRequest<Outcome<T>> request, Func<T, string> done, CancellationToken ct)
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                Done = done(outcome.Value!);
                return Redirect($"/claims/{CommunityId}");
            }
            Refused = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Refused = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Refused = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        // Refused too, the answer is a redirect: the address stays /claims/{id}, never ?handler=Approve.
        return Redirect($"/claims/{CommunityId}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        try
        {
            Submitted = (await mediator.Send(new ListClaims(CommunityId, ClaimStatus.Submitted), ct)).Value ?? [];
            Noticed = (await mediator.Send(new ListClaims(CommunityId, ClaimStatus.Noticed), ct)).Value ?? [];
            Rules = ((await mediator.Send(new ListRules(CommunityId), ct)).Value ?? []).ToDictionary(r => r.Code);
            if (DecidedStatuses.Any(d => d.Status == DecidedStatus))
            {
                var decided = (await mediator.Send(new ListClaims(CommunityId, DecidedStatus), ct)).Value ?? [];
                DecidedTotal = decided.Count;
                Decided = decided.Take(DecidedShown).ToList();
            }
        }
        catch (ForbiddenException e)
        {
            Error ??= PageText.Problem(this, new Failure(e.Code, e.Message));
        }
    }
}
