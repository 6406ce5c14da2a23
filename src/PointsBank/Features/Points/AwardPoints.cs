using PointsBank.Data;
using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// Awards points to a household or person account. With <see cref="RuleCode"/> the points come from that rule of the
/// community's catalogue and its evaluator (<see cref="Facts"/>: minutes, grade, or for a discretionary rule the
/// <see cref="Points"/> within its range), and the entry is explained by the rule; without one (transitional, until
/// every caller picks a rule) an explicit amount and <see cref="Reason"/>. <see cref="MemberId"/> names the resident who
/// earned them, even on a household account; <see cref="OccurredOn"/> the day the deed belongs to (today when omitted).
/// </summary>
[Allow(Role.Committee, Role.Inspector)]
public sealed record AwardPoints(
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

sealed class AwardPointsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers) : IRequestHandler<AwardPoints, Outcome<Posted>>
{
    public Task<Outcome<Posted>> Handle(AwardPoints request, CancellationToken ct) =>
        request.RuleCode is { } rule
            ? ByRule.PostAsync(work, ledger, callers.Current, TransactionKind.Award, request.CommunityId, request.AccountId, rule, request.Facts,
                request.Points, request.EvidenceNote, request.MemberId, request.OccurredOn, LedgerKeys.Client(request.IdempotencyKey), ct)
            : PointsRequest.PostAsync(work, ledger, request.AccountId, SystemAccount.Issuance, request.Points!.Value,
                new LedgerEntry(request.CommunityId, TransactionKind.Award, request.Category ?? Categories.GoodDeed,
                    LedgerKeys.Client(request.IdempotencyKey), request.Reason!.Trim(), callers.Current.Actor, [], request.MemberId,
                    EffectiveDate: request.OccurredOn), ct);
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
        var complete = await WithPostingsAsync(ledger, accountId, counterpart, points, entry, ct);
        return complete.Succeeded ? LedgerOutcomes.From(await ledger.PostAsync(work, complete.Value!, ct)) : complete.Failure!;
    }

    /// <summary>
    /// <paramref name="entry"/> with its postings between the member account and the system account (see
    /// <see cref="PostAsync"/>), not yet posted.
    /// </summary>
    public static async Task<Outcome<LedgerEntry>> WithPostingsAsync(PointsLedger ledger, long accountId, SystemAccount counterpart,
        long points, LedgerEntry entry, CancellationToken ct)
    {
        if (await ledger.SystemAccountIdAsync(entry.CommunityId, counterpart, ct) is not { } system)
        {
            return new Failure("community_not_found", $"community {entry.CommunityId} does not exist");
        }
        // The debited account comes first, as docs/ledger.md lists them: issuance −p, account +p; account −p, penalty +p.
        PostingLine[] postings = entry.Kind == TransactionKind.Award
            ? [new PostingLine(system, -points), new PostingLine(accountId, points)]
            : [new PostingLine(accountId, -points), new PostingLine(system, points)];
        return entry with { Postings = postings };
    }

    /// <summary>By rule: a rule code, an optional evidence note, points only as a discretionary amount. Without: points, reason, category.</summary>
    public static IEnumerable<FieldError> Validate(string? ruleCode, long? points, long max, string? reason, string? category, string? evidenceNote)
    {
        if (ruleCode is not null)
        {
            return Check.Code("ruleCode", ruleCode, 64)
                .Concat(points is { } amount ? Check.Range("points", amount, 1, max) : [])
                .Concat(Check.Text("evidenceNote", evidenceNote, 500, required: false))
                .Concat(reason is null ? [] : [new FieldError("reason", "按细则记分时请写在 evidenceNote（依据说明）中", "with a rule, write it as evidenceNote")]);
        }
        return Check.Range("points", points ?? 0, 1, max)
            .Concat(Check.Text("reason", reason, PointsLedger.MaxExplanationLength - 200))
            .Concat(Check.Code("category", category, PointsLedger.MaxCategoryLength));
    }
}
