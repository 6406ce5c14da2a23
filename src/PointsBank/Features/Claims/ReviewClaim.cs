using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Claims;

/// <summary>
/// 审核通过: a reviewer (or the committee) who did not submit the claim approves it, with an optional note. The claim
/// is then listed publicly (公示) for the community's window (policy <c>noticeDays</c>) and posts when it closes
/// without a sustained objection; with a 0-day window it posts at once, in this unit (a refusal by the rule then
/// refuses the approval, so the reviewer sees why).
/// </summary>
[Allow(Role.Reviewer, Role.Committee)]
public sealed record ApproveClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string? Note = null,
    [property: JsonIgnore] string? IdempotencyKey = null)
    : IRequest<Outcome<ClaimView>>, IValidated, IApproval, ICommunityWide, IIdempotent
{
    /// <summary>Optional: the review page's form sends its one-time key, so a double click answers the first approval again.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => Check.Text("note", Note, 500, required: false);
}

/// <summary>审核不通过: a reviewer (or the committee) who did not submit the claim rejects it, with a reason.</summary>
[Allow(Role.Reviewer, Role.Committee)]
public sealed record RejectClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string Reason,
    [property: JsonIgnore] string? IdempotencyKey = null)
    : IRequest<Outcome<ClaimView>>, IValidated, IApproval, ICommunityWide, IIdempotent
{
    /// <summary>Optional, as for <see cref="ApproveClaim"/>.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

sealed class ReviewClaimHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<ApproveClaim, Outcome<ClaimView>>, IRequestHandler<RejectClaim, Outcome<ClaimView>>
{
    private const string Approve = """
        UPDATE claims SET status = 'noticed', reviewed_by_user = @userId, reviewed_by = @actor, reviewed_at = @now,
                          review_note = @note, notice_until = @noticeUntil
         WHERE id = @claimId AND community_id = @communityId AND status = 'submitted'
        """;

    private const string Reject = """
        UPDATE claims SET status = 'rejected', reviewed_by_user = @userId, reviewed_by = @actor, reviewed_at = @now, review_note = @note
         WHERE id = @claimId AND community_id = @communityId AND status = 'submitted'
        """;

    public async Task<Outcome<ClaimView>> Handle(ApproveClaim request, CancellationToken ct)
    {
        if (await CommunityPolicy.ReadAsync(work, request.CommunityId, ct) is not { } policy)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var noticeUntil = work.Now.AddDays(policy.NoticeDays);
        var review = await ReviewAsync(Approve, request.CommunityId, request.ClaimId, request.Note, noticeUntil, ct);
        if (!review.Succeeded || policy.NoticeDays > 0)
        {
            return review;
        }
        // No 公示 window: the claim posts on approval, in this unit.
        var claim = (await ClaimStore.FindAsync(work, request.CommunityId, request.ClaimId, ct))!;
        var posted = await ClaimStore.PostAsync(work, ledger, callers.Current, request.CommunityId, claim, failOnRefusal: true, ct);
        if (!posted.Succeeded)
        {
            return posted.Failure!;
        }
        return await ViewAsync(request.CommunityId, request.ClaimId, ct);
    }

    public Task<Outcome<ClaimView>> Handle(RejectClaim request, CancellationToken ct) =>
        ReviewAsync(Reject, request.CommunityId, request.ClaimId, request.Reason, null, ct);

    private async Task<Outcome<ClaimView>> ReviewAsync(string sql, long communityId, long claimId, string? note, DateTime? noticeUntil,
        CancellationToken ct)
    {
        var caller = callers.Current;
        var changed = await work.ExecuteAsync(sql, new
        {
            communityId, claimId, userId = caller.UserId, actor = caller.Actor, now = work.Now, note = note?.Trim(), noticeUntil,
        }, ct);
        if (changed == 0)
        {
            return await ClaimStore.FindAsync(work, communityId, claimId, ct) is { } claim
                ? new Failure("claim_not_pending", $"claim {claimId} is {claim.Status}, not submitted: it was reviewed already")
                : ClaimStore.NotFound(communityId, claimId);
        }
        return await ViewAsync(communityId, claimId, ct);
    }

    private async Task<Outcome<ClaimView>> ViewAsync(long communityId, long claimId, CancellationToken ct) =>
        await ClaimStore.ViewAsync(work, communityId, claimId, callers.Current, ct);
}
