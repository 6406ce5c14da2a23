namespace PointsBank.Ledger;

/// <summary>
/// Told what a unit of work posted when the ledger writes the unit's state, just before its commit (a unit rolled back
/// tells nothing). The metrics implement it (<c>pointsbank_postings_total</c>); it must be cheap and must not throw.
/// </summary>
public interface ILedgerObserver
{
    /// <summary>Transactions posted in one unit, indexed by <see cref="TransactionKind"/> (replays are not in it).</summary>
    void Posted(ReadOnlySpan<int> perKind);
}
