using PointsBank.Features.Accounts;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

internal static class PointsEndpoints
{
    // A new transaction answers 201 here; a replay of the same key and payload 200 with Idempotent-Replayed.
    private static readonly Reply Posted = Reply.Created("/api/v1/communities/{communityId}/transactions/{seq}");

    internal static RouteGroupBuilder MapPoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Ledger");

        group.MapQuery<GetBalance>("/accounts/{accountId:long}/balance").WithSummary("Balance, held and available points of an account");

        group.MapReport<GetHistory>("/accounts/{accountId:long}/history")
            .WithSummary("An account's entries, newest first, with explanations (paged; pageSize at most 100; &format=csv or xlsx for Excel)");

        group.MapQuery<GetTransaction>("/transactions/{seq:long}").WithSummary("One transaction with its postings and hash");

        group.MapQuery<FindAccounts>("/accounts")
            .WithSummary("Member accounts whose household door-plate code or resident name contains q (names masked unless the caller may see personal data; paged)");

        group.MapCommand<OpenAccount>("/accounts", Reply.Created("/api/v1/communities/{communityId}/accounts/{accountId}/balance"))
            .WithSummary("Open a household, person or shop account");

        // Idempotency-Key is required by the requests themselves (after authorization), not by a filter before it.
        group.MapCommand<AwardPoints>("/awards", Posted)
            .WithSummary("Award points by a rule of the catalogue: ruleCode required, points from its evaluator; points only for a discretionary rule (Idempotency-Key required)");

        group.MapCommand<DeductPoints>("/deductions", Posted)
            .WithSummary("Deduct points by a deduction rule (ruleCode required); capped at the available balance under the default policy (Idempotency-Key required)");

        group.MapCommand<TransferPoints>("/transfers", Posted)
            .WithSummary("赠送: give points to family or a neighbour, as the community's policy allows; never overdraws (Idempotency-Key required)");

        group.MapCommand<ReverseTransaction>("/transactions/{seq:long}/reversal", Posted)
            .WithSummary("Reverse a transaction once, with a reason (Idempotency-Key required)");

        return group;
    }
}
