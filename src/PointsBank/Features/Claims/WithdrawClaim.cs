using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Claims;

/// <summary>
/// 撤回: the submitter withdraws their own claim, with a reason, while it waits for review or sits in its 公示 window
/// (before it posts); the committee may withdraw any claim of the community (a resident asked it to); the resident
/// withdraws a claim of their own account with their card (<c>cardToken</c> + <c>pin</c>, the PIN checked and counted
/// as for an order). A withdrawn claim never posts, and its objections stay on record. Withdrawing twice, or a claim
/// already posted, rejected or stopped by an objection, is refused (<c>claim_not_withdrawable</c>). Whether it is the
/// caller's own claim is the handler's to say.
/// </summary>
[CardHolder]
[Allow(Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer)]
public sealed record WithdrawClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string Reason,
    [property: Secret] string? CardToken = null, [property: Secret] string? Pin = null)
    : IRequest<Outcome<ClaimView>>, IValidated, ICommunityWide, ICardPresented
{
    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500).Concat(ClaimCards.Validate(CardToken, Pin));
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
        var actor = caller.Actor;
        if (ClaimCards.RequireProof(caller, request.CardToken) is { } unproven)
        {
            return unproven;
        }
        if (request.CardToken is not null)
        {
            // The card of the claim's own account, and its PIN; another account's claim is refused before any PIN.
            if (await Cards.CardPins.FindActiveAsync(work, request.CommunityId, request.CardToken, ct) is { } presented && presented.AccountId != claim.AccountId)
            {
                return new Failure("forbidden", $"claim {request.ClaimId} is another account's: card:{presented.Id} may only withdraw its own account's claims");
            }
            var proven = await ClaimCards.ProveAsync(work, request.CommunityId, request.CardToken, request.Pin, ct);
            if (!proven.Succeeded)
            {
                return proven.Failure!;
            }
            actor = ClaimCards.Actor(proven.Value!);
        }
        else if (await work.ScalarAsync<long?>(Submitter, args, ct) is var submitter
                 && (submitter is null || submitter != caller.UserId) && caller.Kind != CallerKind.System && !caller.Holds(request.CommunityId, Role.Committee))
        {
            return new Failure("forbidden", $"claim {request.ClaimId} was submitted by someone else: only they or the committee may withdraw it");
        }
        var changed = await work.ExecuteAsync(Withdraw, new
        {
            claimId = request.ClaimId, communityId = request.CommunityId, actor, now = work.Now, reason = request.Reason.Trim(),
        }, ct);
        if (changed == 0)
        {
            return new Failure("claim_not_withdrawable", $"claim {request.ClaimId} is {claim.Status}: only a submitted or noticed claim can be withdrawn");
        }
        return await ClaimStore.ViewAsync(work, request.CommunityId, request.ClaimId, caller, ct);
    }
}
