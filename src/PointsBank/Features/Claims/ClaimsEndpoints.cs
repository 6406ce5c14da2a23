using PointsBank.Infrastructure;

namespace PointsBank.Features.Claims;

internal static class ClaimsEndpoints
{
    internal static RouteGroupBuilder MapClaims(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Claims");

        group.MapCommand<SubmitClaim>("/claims")
            .WithSummary("申报: submit a claim under a rule (facts, the day it happened, evidence note, the member); it waits for review");

        group.MapQuery<ListClaims>("/claims").WithSummary("The community's claims, newest first, optionally of one status, with their objections");

        group.MapCommand<ApproveClaim>("/claims/{claimId:long}/approve")
            .WithSummary("Approve a claim (not one you submitted): listed publicly for the 公示 window, or posted at once with a 0-day window");

        group.MapCommand<RejectClaim>("/claims/{claimId:long}/reject").WithSummary("Reject a claim (not one you submitted), with a reason");

        group.MapCommand<WithdrawClaim>("/claims/{claimId:long}/withdraw")
            .WithSummary("撤回: the submitter (or the committee) withdraws a claim that has not posted, with a reason; it never posts");

        group.MapCommand<ObjectToClaim>("/claims/{claimId:long}/objections")
            .WithSummary("Object to a claim during its 公示 window, with a reason; the posting waits for the committee's decision");

        group.MapCommand<DecideObjection>("/objections/{objectionId:long}/decision")
            .WithSummary("The committee sustains (the claim stops) or dismisses (it posts) an objection, with a reason");

        group.MapQuery<ListNotices>("/notices").WithSummary("The public 公示 list: approved claims in their objection window, names masked");

        return group;
    }
}
