using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// Deducts points (扣分) from a household or person account. Under the default community policy a deduction is
/// capped at the points available, and the transaction's explanation says so.
/// </summary>
[Allow(Role.Committee, Role.Inspector)]
public sealed record DeductPoints(
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

sealed class DeductPointsHandler(DbDataSource db, Ledger.Ledger ledger, CallerContext callers) : IRequestHandler<DeductPoints, Outcome<Posted>>
{
    public async Task<Outcome<Posted>> Handle(DeductPoints request, CancellationToken ct)
    {
        if (await MemberAccounts.RequireAsync(db, request.CommunityId, request.AccountId, ct) is { } failure)
        {
            return failure;
        }
        var penalty = await ledger.SystemAccountIdAsync(request.CommunityId, SystemAccount.Penalty, ct);
        if (penalty is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var result = await ledger.PostAsync(new LedgerEntry(request.CommunityId, TransactionKind.Deduct, request.Category,
            request.IdempotencyKey, request.Reason.Trim(), callers.Current.Actor,
            [new PostingLine(request.AccountId, -request.Points), new PostingLine(penalty.Value, request.Points)],
            request.MemberId), ct);
        return LedgerOutcomes.From(result);
    }
}
