using PointsBank.Data;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

public sealed record PostingView(long AccountId, long Amount);

/// <summary>A ledger transaction as the API shows it.</summary>
public sealed record TransactionView(
    long Seq,
    string Kind,
    string Category,
    string Explanation,
    string Actor,
    long? MemberId,
    string? RuleCode,
    int? RuleVersion,
    int? Minutes,
    long? ReversesSeq,
    DateTime OccurredAt,
    IReadOnlyList<PostingView> Postings,
    string Hash)
{
    public static TransactionView From(LedgerTransaction tx) => new(tx.Seq, tx.Kind.ToDb(), tx.Category, tx.Explanation, tx.Actor,
        tx.MemberId, tx.RuleCode, tx.RuleVersion, tx.Minutes, tx.ReversesSeq, Clock.AsUtc(tx.OccurredAt),
        tx.Postings.Select(p => new PostingView(p.AccountId, p.Amount)).ToList(), tx.Hash);
}

/// <summary>A posted transaction; <see cref="Replayed"/> when the idempotency key had already posted it.</summary>
public sealed record Posted(TransactionView Transaction, bool Replayed) : IReplayable<TransactionView>
{
    TransactionView IReplayable<TransactionView>.Resource => Transaction;
}

internal static class LedgerOutcomes
{
    public static Outcome<Posted> From(LedgerResult result) => result.Succeeded
        ? new Posted(TransactionView.From(result.Transaction!), result.Replayed)
        : ProblemCatalog.ToFailure(result.Error!.Value, result.Detail!);
}
