using PointsBank.Data;
using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// Awards points to a household or person account by a rule of the community's catalogue: <see cref="RuleCode"/> is
/// required (<c>rule_required</c> without it), the points come from the rule's evaluator over <see cref="Facts"/>
/// (minutes, grade) and the entry is explained by the rule. An explicit <see cref="Points"/> only names the amount of
/// a discretionary rule (an amount within a range, <c>points_not_allowed</c> for any other formula) — and such a rule
/// needs a second person's approval, so it goes through a claim. <see cref="Reason"/> and <see cref="Category"/> are
/// refused (the evidence note and the rule's category take their place); they stay in the record so that old clients
/// get a clear field error. <see cref="MemberId"/> names the resident who earned them, even on a household account;
/// <see cref="OccurredOn"/> the day the deed belongs to (today when omitted).
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

sealed class AwardPointsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers, IMediator sender) : IRequestHandler<AwardPoints, Outcome<Posted>>
{
    public Task<Outcome<Posted>> Handle(AwardPoints request, CancellationToken ct) =>
        request.RuleCode is { } rule
            ? ByRule.PostAsync(work, ledger, callers.Current, TransactionKind.Award, request.CommunityId, request.AccountId, rule, request.Facts,
                request.Points, request.EvidenceNote, request.MemberId, request.OccurredOn, LedgerKeys.Client(request.IdempotencyKey), ct,
                claims: sender)
            : Task.FromResult<Outcome<Posted>>(PointsRequest.RuleRequired);
}

/// <summary>What award and deduction requests share: their checks and their one way onto the ledger.</summary>
internal static class PointsRequest
{
    /// <summary>
    /// <paramref name="entry"/> with its postings between the member account and the system account, not yet posted.
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

    /// <summary>
    /// The refusal of an award or deduction without a rule: every entry is explained by the rule that produced it
    /// (API.md). Postings that legitimately name no rule (redemptions, transfers, reversals, year-end) have their own
    /// requests and never come through here.
    /// </summary>
    public static Failure RuleRequired { get; } = new("rule_required",
        "awards and deductions are made by a rule of the catalogue: send ruleCode (and facts); points only for a discretionary rule");

    /// <summary>
    /// A rule code (its absence is the handler's <see cref="RuleRequired"/>, one clear problem rather than a field
    /// list), an optional evidence note, points only as a discretionary amount; no free reason or category.
    /// </summary>
    public static IEnumerable<FieldError> Validate(string? ruleCode, long? points, long max, string? reason, string? category, string? evidenceNote) =>
        (ruleCode is null ? [] : Check.Code("ruleCode", ruleCode, 64))
            .Concat(points is { } amount ? Check.Range("points", amount, 1, max) : [])
            .Concat(Check.Text("evidenceNote", evidenceNote, 500, required: false))
            .Concat(reason is null ? [] : [new FieldError("reason", "请写在 evidenceNote（依据说明）中：分值和说明由细则给出", "write it as evidenceNote: the rule gives the points and the explanation")])
            .Concat(category is null ? [] : [new FieldError("category", "类别由所选细则决定，不能另填", "comes from the rule: leave it out")]);
}
