using PointsBank.Data;
using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// Deducts points (扣分) from a household or person account by a deduction rule of the catalogue (<see cref="RuleCode"/>
/// required, as for <see cref="AwardPoints"/>). Under the default community policy a deduction is capped at the points
/// available, and the transaction's explanation says so.
/// </summary>
[Allow(Role.Committee, Role.Inspector)]
public sealed record DeductPoints(
    [property: JsonIgnore] long CommunityId,
    long AccountId,
    long? Points,
    string? Reason,
    string? Category,
    long? MemberId,
    [property: JsonIgnore] string IdempotencyKey,
    DateOnly? OccurredOn = null,
    string? RuleCode = null,
    PointsBank.Rules.RuleFacts? Facts = null,
    string? EvidenceNote = null) : IRequest<Outcome<Posted>>, IValidated, IAccountScoped, IIdempotent
{
    public const long MaxPoints = 100_000;

    public IEnumerable<FieldError> Validate() => PointsRequest.Validate(RuleCode, Points, MaxPoints, Reason, Category, EvidenceNote);
}

sealed class DeductPointsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers, IMediator sender) : IRequestHandler<DeductPoints, Outcome<Posted>>
{
    public Task<Outcome<Posted>> Handle(DeductPoints request, CancellationToken ct) =>
        request.RuleCode is { } rule
            ? ByRule.PostAsync(work, ledger, callers.Current, TransactionKind.Deduct, request.CommunityId, request.AccountId, rule, request.Facts,
                request.Points, request.EvidenceNote, request.MemberId, request.OccurredOn, LedgerKeys.Client(request.IdempotencyKey), ct,
                claims: sender)
            : Task.FromResult<Outcome<Posted>>(PointsRequest.RuleRequired);
}
