using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Claims;

/// <summary>
/// 撤回: the submitter withdraws their own claim, with a reason, while it waits for review or sits in its 公示 window
/// (before it posts); the committee may withdraw any claim of the community (a resident asked it to). A withdrawn claim
/// never posts, and its objections stay on record. Withdrawing twice, or a claim already posted, rejected or stopped by
/// an objection, is refused (<c>claim_not_withdrawable</c>). Those who may submit may withdraw (residents through their
/// card, once cards exist); whether it is the caller's own claim is the handler's to say.
/// </summary>
[Allow(Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer)]
public sealed record WithdrawClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string Reason)
    : IRequest<Outcome<ClaimView>>, IValidated, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

sealed class WithdrawClaimHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<WithdrawClaim, Outcome<ClaimView>>
{
    private const string Submitter = "SELECT submitted_by_user FROM claims WHERE id = @claimId AND community_id = @communityId";

    // Only a claim that has not posted moves to withdrawn (the job claims noticed → posted under the same lock).
    private const string Withdraw = """
        UPDATE claims SET status = 'withdrawn', withdrawn_by = @actor, withdrawn_at = @now, withdraw_reason = @reason
         WHERE id = @claimId AND community_id = @communityId AND status IN ('submitted', 'noticed')
        """;

    public async Task<Outcome<ClaimView>> Handle(WithdrawClaim request, CancellationToken ct)
    {
        var caller = callers.Current;
        var args = new { claimId = request.ClaimId, communityId = request.CommunityId };
        if (await ClaimStore.FindAsync(work, request.CommunityId, request.ClaimId, ct) is not { } claim)
        {
            return ClaimStore.NotFound(request.CommunityId, request.ClaimId);
        }
        var submitter = await work.ScalarAsync<long?>(Submitter, args, ct);
        if (submitter != caller.UserId && !caller.Holds(request.CommunityId, Role.Committee))
        {
            return new Failure("forbidden", $"claim {request.ClaimId} was submitted by someone else: only they or the committee may withdraw it");
        }
        var changed = await work.ExecuteAsync(Withdraw, new
        {
            claimId = request.ClaimId, communityId = request.CommunityId, actor = caller.Actor, now = work.Now, reason = request.Reason.Trim(),
        }, ct);
        if (changed == 0)
        {
            return new Failure("claim_not_withdrawable", $"claim {request.ClaimId} is {claim.Status}: only a submitted or noticed claim can be withdrawn");
        }
        return (await ClaimStore.FindAsync(work, request.CommunityId, request.ClaimId, ct))!.ToView(PersonalData.Visible(caller, request.CommunityId));
    }
}
