using PointsBank.Data;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

public sealed record PostingView(long AccountId, long Amount);

/// <summary>
/// A ledger transaction as the API shows it: every field of its canonical form (docs/ledger.md §3), so anyone can
/// recompute <see cref="Hash"/> from <see cref="PrevHash"/> and the rest — <see cref="Facts"/> is the stored JSON text,
/// byte for byte, and <see cref="CanonicalVersion"/> says which form applies.
/// </summary>
public sealed record TransactionView(
    long CommunityId,
    long Seq,
    string Kind,
    string Category,
    string Key,
    string Explanation,
    string Actor,
    long? MemberId,
    string? RuleCode,
    int? RuleVersion,
    string Facts,
    int? Minutes,
    long? ReversesSeq,
    DateTime OccurredAt,
    DateOnly? EffectiveDate,
    IReadOnlyList<PostingView> Postings,
    string CanonicalVersion,
    string PrevHash,
    string Hash)
{
    public static TransactionView From(LedgerTransaction tx) => new(tx.CommunityId, tx.Seq, tx.Kind.ToDb(), tx.Category, tx.IdempotencyKey,
        tx.Explanation, tx.Actor, tx.MemberId, tx.RuleCode, tx.RuleVersion, tx.Facts, tx.Minutes, tx.ReversesSeq, Clock.AsUtc(tx.OccurredAt),
        tx.EffectiveDate, tx.Postings.Select(p => new PostingView(p.AccountId, p.Amount)).ToList(),
        tx.EffectiveDate is null ? CanonicalForm.Version1 : CanonicalForm.Version2, tx.PrevHash, tx.Hash);
}

/// <summary>
/// A posted transaction; <see cref="Replayed"/> when the idempotency key had already posted it. An award or deduction
/// under a rule whose entries go through a claim posts nothing yet: <see cref="Transaction"/> is null and
/// <see cref="Claim"/> names the claim it became (answered 202 Accepted).
/// </summary>
public sealed record Posted(TransactionView? Transaction, bool Replayed, ClaimSubmitted? Claim = null)
    : IReplayable<TransactionView>, IAcceptedInstead
{
    TransactionView IReplayable<TransactionView>.Resource => Transaction!;

    object? IAcceptedInstead.Accepted => Claim;

    public object AsReplayed() => this with { Replayed = true };
}

/// <summary>
/// The answer (202 Accepted) of an award or deduction that became a claim (申报): <c>claimId</c>, <c>status</c>
/// (<c>submitted</c>), a Chinese-first explanation, and the claim itself. It waits for a reviewer who is not its
/// submitter, then its 公示 window, then posts like every claim.
/// </summary>
public sealed record ClaimSubmitted(long ClaimId, string Status, string Explanation, string ExplanationEn, PointsBank.Features.Claims.ClaimView Claim)
{
    public static ClaimSubmitted From(PointsBank.Features.Claims.ClaimView claim)
    {
        var id = claim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new(claim.Id, claim.Status, $"已提交申报，等待审核（第 {id} 号）：审核通过后公示，公示期满入账",
            $"Claim #{id} submitted: a reviewer other than the submitter reviews it, then it is publicly noticed, then posted", claim);
    }
}

internal static class LedgerOutcomes
{
    public static Outcome<Posted> From(LedgerResult result) => result.Succeeded
        ? new Posted(TransactionView.From(result.Transaction!), result.Replayed)
        : ProblemCatalog.ToFailure(result.Error!.Value, result.Detail!);
}
