using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// Awards points to a household or person account with an explicit amount and reason (the rules engine will
/// compute amounts later). <see cref="MemberId"/> names the resident who earned them, even on a household account.
/// </summary>
[Allow(Role.Committee, Role.Inspector)]
public sealed record AwardPoints(
    long CommunityId,
    long AccountId,
    long Points,
    string Reason,
    string Category,
    long? MemberId,
    string IdempotencyKey) : IRequest<Outcome<Posted>>, IValidated, IAccountScoped
{
    public const long MaxPoints = 100_000;

    public IEnumerable<FieldError> Validate() => PointsRequest.Validate(Points, MaxPoints, Reason, Category);
}

sealed class AwardPointsHandler(DbDataSource db, Ledger.Ledger ledger, CallerContext callers) : IRequestHandler<AwardPoints, Outcome<Posted>>
{
    public async Task<Outcome<Posted>> Handle(AwardPoints request, CancellationToken ct)
    {
        if (await MemberAccounts.RequireAsync(db, request.CommunityId, request.AccountId, ct) is { } failure)
        {
            return failure;
        }
        var issuance = await ledger.SystemAccountIdAsync(request.CommunityId, SystemAccount.Issuance, ct);
        if (issuance is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var result = await ledger.PostAsync(new LedgerEntry(request.CommunityId, TransactionKind.Award, request.Category,
            request.IdempotencyKey, request.Reason.Trim(), callers.Current.Actor,
            [new PostingLine(issuance.Value, -request.Points), new PostingLine(request.AccountId, request.Points)],
            request.MemberId), ct);
        return LedgerOutcomes.From(result);
    }
}

/// <summary>The checks award and deduction requests share.</summary>
internal static class PointsRequest
{
    public static IEnumerable<FieldError> Validate(long points, long max, string reason, string category) =>
        Check.Range("points", points, 1, max)
            .Concat(Check.Text("reason", reason, Ledger.Ledger.MaxExplanationLength - 200))
            .Concat(Check.Code("category", category, Ledger.Ledger.MaxCategoryLength));
}
