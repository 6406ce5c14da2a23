using PointsBank.Data;
using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// Awards points to a household or person account with an explicit amount and reason (the rules engine will
/// compute amounts later). <see cref="MemberId"/> names the resident who earned them, even on a household account;
/// <see cref="OccurredOn"/> the day the deed belongs to (today when omitted).
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

sealed class AwardPointsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers) : IRequestHandler<AwardPoints, Outcome<Posted>>
{
    public Task<Outcome<Posted>> Handle(AwardPoints request, CancellationToken ct) =>
        PointsRequest.PostAsync(work, ledger, request.AccountId, SystemAccount.Issuance, request.Points,
            new LedgerEntry(request.CommunityId, TransactionKind.Award, request.Category, LedgerKeys.Client(request.IdempotencyKey),
                request.Reason.Trim(), callers.Current.Actor, [], request.MemberId, EffectiveDate: request.OccurredOn), ct);
}

/// <summary>What award and deduction requests share: their checks and their one way onto the ledger.</summary>
internal static class PointsRequest
{
    /// <summary>
    /// Posts points between a member account and a system account: an award moves them from issuance to the member,
    /// a deduction from the member to penalty. <paramref name="entry"/> carries everything but the postings; which
    /// accounts may take part is the ledger's to check, inside the lock.
    /// </summary>
    public static async Task<Outcome<Posted>> PostAsync(UnitOfWork work, PointsLedger ledger, long accountId,
        SystemAccount counterpart, long points, LedgerEntry entry, CancellationToken ct)
    {
        if (await ledger.SystemAccountIdAsync(entry.CommunityId, counterpart, ct) is not { } system)
        {
            return new Failure("community_not_found", $"community {entry.CommunityId} does not exist");
        }
        // The debited account comes first, as docs/ledger.md lists them: issuance −p, account +p; account −p, penalty +p.
        PostingLine[] postings = entry.Kind == TransactionKind.Award
            ? [new PostingLine(system, -points), new PostingLine(accountId, points)]
            : [new PostingLine(accountId, -points), new PostingLine(system, points)];
        return LedgerOutcomes.From(await ledger.PostAsync(work, entry with { Postings = postings }, ct));
    }

    public static IEnumerable<FieldError> Validate(long points, long max, string reason, string category) =>
        Check.Range("points", points, 1, max)
            .Concat(Check.Text("reason", reason, PointsLedger.MaxExplanationLength - 200))
            .Concat(Check.Code("category", category, PointsLedger.MaxCategoryLength));
}
