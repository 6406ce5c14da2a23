using System.Text.Json.Serialization;
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
    [property: JsonIgnore] long CommunityId,
    long AccountId,
    long Points,
    string Reason,
    string Category,
    long? MemberId,
    [property: JsonIgnore] string IdempotencyKey,
    DateOnly? OccurredOn = null) : IRequest<Outcome<Posted>>, IValidated, IAccountScoped, IIdempotent
{
    public const long MaxPoints = 100_000;

    public IEnumerable<FieldError> Validate() => PointsRequest.Validate(Points, MaxPoints, Reason, Category);
}

sealed class AwardPointsHandler(DbDataSource db, PointsLedger ledger, CallerContext callers) : IRequestHandler<AwardPoints, Outcome<Posted>>
{
    public Task<Outcome<Posted>> Handle(AwardPoints request, CancellationToken ct) =>
        PointsRequest.PostAsync(db, ledger, request.CommunityId, request.AccountId, TransactionKind.Award, SystemAccount.Issuance, request.Points,
            new LedgerEntry(request.CommunityId, TransactionKind.Award, request.Category, request.IdempotencyKey, request.Reason.Trim(),
                callers.Current.Actor, [], request.MemberId), ct);
}

/// <summary>What award and deduction requests share: their checks and their one way onto the ledger.</summary>
internal static class PointsRequest
{
    /// <summary>
    /// Posts points between a member account and a system account: an award moves them from issuance to the member,
    /// a deduction from the member to penalty. <paramref name="entry"/> carries everything but the postings.
    /// </summary>
    public static async Task<Outcome<Posted>> PostAsync(DbDataSource db, PointsLedger ledger, long communityId, long accountId,
        TransactionKind kind, SystemAccount counterpart, long points, LedgerEntry entry, CancellationToken ct)
    {
        if (await MemberAccounts.RequireAsync(db, communityId, accountId, ct) is { } failure)
        {
            return failure;
        }
        if (await ledger.SystemAccountIdAsync(communityId, counterpart, ct) is not { } system)
        {
            return new Failure("community_not_found", $"community {communityId} does not exist");
        }
        // The debited account comes first, as docs/ledger.md lists them: issuance −p, account +p; account −p, penalty +p.
        PostingLine[] postings = kind == TransactionKind.Award
            ? [new PostingLine(system, -points), new PostingLine(accountId, points)]
            : [new PostingLine(accountId, -points), new PostingLine(system, points)];
        return LedgerOutcomes.From(await ledger.PostAsync(entry with { Postings = postings }, ct));
    }

    public static IEnumerable<FieldError> Validate(long points, long max, string reason, string category) =>
        Check.Range("points", points, 1, max)
            .Concat(Check.Text("reason", reason, PointsLedger.MaxExplanationLength - 200))
            .Concat(Check.Code("category", category, PointsLedger.MaxCategoryLength));
}
