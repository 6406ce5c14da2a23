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

/// <summary>A posted transaction; <see cref="Replayed"/> when the idempotency key had already posted it.</summary>
public sealed record Posted(TransactionView Transaction, bool Replayed) : IReplayable<TransactionView>
{
    TransactionView IReplayable<TransactionView>.Resource => Transaction;

    public object AsReplayed() => this with { Replayed = true };
}

internal static class LedgerOutcomes
{
    public static Outcome<Posted> From(LedgerResult result) => result.Succeeded
        ? new Posted(TransactionView.From(result.Transaction!), result.Replayed)
        : ProblemCatalog.ToFailure(result.Error!.Value, result.Detail!);
}
