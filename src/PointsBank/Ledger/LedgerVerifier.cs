using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using PointsBank.Data;

namespace PointsBank.Ledger;

/// <summary>Where a community's ledger first disagrees with itself.</summary>
public sealed record ChainBreak(long CommunityId, long? Seq, string What)
{
    public override string ToString() =>
        Seq is { } seq ? $"community {CommunityId}, transaction {seq}: {What}" : $"community {CommunityId}: {What}";
}

/// <summary>One community's result; when intact, <see cref="LastSeq"/> and <see cref="LastHash"/> are its chain head.</summary>
public sealed record CommunityVerification(long CommunityId, long Transactions, long LastSeq, string LastHash, ChainBreak? Break);

public sealed record VerifyReport(IReadOnlyList<CommunityVerification> Communities)
{
    public bool Intact => Communities.All(c => c.Break is null);
    public ChainBreak? FirstBreak => Communities.Select(c => c.Break).FirstOrDefault(b => b is not null);
}

/// <summary>
/// Recomputes every community's hash chain, sequence continuity, sum-to-zero, balances, holds, monthly
/// aggregates and monthly totals from the journal, and each product's stock on hand from its stock movements, and reports the first
/// place each community breaks. Reads only.
/// </summary>
/// <remarks>
/// Each community is checked on one consistent snapshot, so a service posting meanwhile causes no false break. On
/// SQLite the reads share one deferred (read) transaction, which WAL turns into a snapshot taken at its first read;
/// posting goes on meanwhile. On SQL Server the community's chain-head row is taken with UPDLOCK, HOLDLOCK first and
/// held to the end of its check: every writer of a community takes that lock before anything else, so posting in
/// that community waits while it is verified (other communities post on).
/// </remarks>
public sealed class LedgerVerifier(DbDataSource db, SqlDialect dialect)
{
    private const string SelectCommunities = "SELECT id, time_zone FROM communities ORDER BY id";

    private static readonly DialectSql SelectHead = new(
        Sqlite: "SELECT last_seq, last_hash FROM chain_heads WHERE community_id = @communityId",
        SqlServer: "SELECT last_seq, last_hash FROM chain_heads WITH (UPDLOCK, HOLDLOCK) WHERE community_id = @communityId");

    private const string SelectAccounts = "SELECT id, kind FROM accounts WHERE community_id = @communityId";

    private const string SelectJournal = """
        SELECT t.id, t.seq, t.kind, t.category, t.idempotency_key, t.rule_code, t.rule_version, t.facts, t.explanation, t.actor,
               t.member_id, t.minutes, t.reverses_seq, t.occurred_at, t.prev_hash, t.hash, p.line_no, p.account_id, p.amount,
               t.effective_date
          FROM ledger_transactions t
          LEFT JOIN ledger_postings p ON p.transaction_id = t.id
         WHERE t.community_id = @communityId
         ORDER BY t.seq, p.line_no
        """;

    private const string SelectBalances = """
        SELECT account_id, balance, held FROM balances WHERE community_id = @communityId ORDER BY account_id
        """;

    private const string SelectOpenHolds = """
        SELECT account_id, SUM(amount) FROM holds WHERE community_id = @communityId AND status = 'open' GROUP BY account_id
        """;

    private const string SelectAggregates = """
        SELECT account_id, member_id, category, month, earned, deducted, redeemed, volunteer_minutes
          FROM monthly_aggregates WHERE community_id = @communityId
        """;

    private const string SelectTotals = """
        SELECT account_id, member_id, month, earned, deducted, redeemed, volunteer_minutes
          FROM monthly_totals WHERE community_id = @communityId
        """;

    private const string SelectStock = """
        SELECT p.id, p.name, p.on_hand, (SELECT COALESCE(SUM(m.quantity), 0) FROM stock_movements m WHERE m.product_id = p.id)
          FROM products p WHERE p.community_id = @communityId ORDER BY p.id
        """;

    public async Task<VerifyReport> VerifyAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var communities = new List<(long Id, string Zone)>();
        await using (var command = PointsLedger.Command(connection, null, SelectCommunities))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                communities.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }
        var results = new List<CommunityVerification>();
        foreach (var (id, zone) in communities)
        {
            await using var snapshot = await BeginSnapshotAsync(connection, ct);
            try
            {
                results.Add(await VerifyCommunityAsync(connection, snapshot, id, zone, ct));
            }
            catch (Exception e) when (IsUnreadable(e))
            {
                results.Add(new CommunityVerification(id, 0, 0, "", new ChainBreak(id, null, $"a stored value cannot be read: {e.Message}")));
            }
        }
        return new VerifyReport(results);
    }

    // Only reads run in it, and it is never committed; see the class remarks for why each engine gives a snapshot.
    private static async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

    // Tampered or damaged rows (a NULL, an unknown kind, a time with sub-millisecond digits, a malformed hash) are
    // breaks to report, not crashes; a database error (DbException) still propagates.
    private static bool IsUnreadable(Exception e) =>
        e is FormatException or InvalidCastException or InvalidOperationException or ArgumentException or OverflowException
            or System.Data.SqlTypes.SqlTypeException or TimeZoneNotFoundException or InvalidTimeZoneException;

    private async Task<CommunityVerification> VerifyCommunityAsync(DbConnection connection, DbTransaction snapshot, long communityId,
        string timeZone, CancellationToken ct)
    {
        // The head comes first: on SQL Server reading it takes the community's lock, on SQLite it starts the snapshot.
        (long Seq, string Hash)? storedHead = null;
        await using (var command = Query(connection, snapshot, dialect.Pick(SelectHead), communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                storedHead = (reader.GetInt64(0), reader.GetString(1).Trim());
            }
        }

        var zone = Projections.Zone(timeZone);
        var accounts = new Dictionary<long, bool>();
        await using (var command = Query(connection, snapshot, SelectAccounts, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                accounts[reader.GetInt64(0)] = reader.GetString(1) == "system";
            }
        }

        var balances = new Dictionary<long, long>();
        var lastTouch = new Dictionary<long, long>();
        var aggregates = new Dictionary<AggregateKey, AggregateDelta>();
        var originals = new Dictionary<long, (TransactionKind Kind, string Month, ulong Digest)>();
        var reversedSeqs = new HashSet<long>();
        var expectedSeq = 1L;
        var prevHash = CanonicalForm.GenesisHash;
        ChainBreak? Break(long? seq, string what) => new(communityId, seq, what);
        CommunityVerification Broken(ChainBreak b) => new(communityId, expectedSeq - 1, expectedSeq - 1, prevHash, b);

        await using (var command = Query(connection, snapshot, SelectJournal, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            var (lineNo, account, amount) = (reader.GetOrdinal("line_no"), reader.GetOrdinal("account_id"), reader.GetOrdinal("amount"));
            var more = await reader.ReadAsync(ct);
            while (more)
            {
                var seq = expectedSeq;
                LedgerTransaction tx;
                var postings = new List<PostingLine>();
                var lineNumbersInOrder = true;
                try
                {
                    seq = reader.GetInt64(1);
                    var head = LedgerReader.Transaction(reader, communityId, []);
                    do
                    {
                        if (!reader.IsDBNull(lineNo))
                        {
                            lineNumbersInOrder &= Convert.ToInt64(reader.GetValue(lineNo), CultureInfo.InvariantCulture) == postings.Count + 1;
                            postings.Add(new PostingLine(reader.GetInt64(account), reader.GetInt64(amount)));
                        }
                        more = await reader.ReadAsync(ct);
                    }
                    while (more && reader.GetInt64(1) == head.Seq);
                    tx = head with { Postings = postings };
                }
                catch (Exception e) when (IsUnreadable(e))
                {
                    return Broken(Break(seq, $"a stored value cannot be read: {e.Message}")!);
                }
                if (tx.Seq != expectedSeq)
                {
                    return Broken(Break(expectedSeq, tx.Seq > expectedSeq
                        ? $"transaction {expectedSeq} is missing: the journal goes from {expectedSeq - 1} to {tx.Seq}"
                        : $"sequence out of order: expected {expectedSeq}, found {tx.Seq}")!);
                }
                if (postings.Count < 2 || !lineNumbersInOrder)
                {
                    return Broken(Break(tx.Seq, $"has {postings.Count} posting(s) numbered out of order or fewer than two")!);
                }
                var sum = postings.Sum(p => p.Amount);
                if (sum != 0)
                {
                    return Broken(Break(tx.Seq, $"postings sum to {sum}, not 0")!);
                }
                if (tx.PrevHash != prevHash)
                {
                    return Broken(Break(tx.Seq, $"prev_hash is {tx.PrevHash}, but the previous transaction's hash is {prevHash}")!);
                }
                string computed;
                try
                {
                    computed = CanonicalForm.Hash(prevHash, tx);
                }
                catch (ArgumentException e)
                {
                    return Broken(Break(tx.Seq, $"cannot be hashed as stored: {e.Message}")!);
                }
                if (computed != tx.Hash)
                {
                    return Broken(Break(tx.Seq, $"hash mismatch: stored {tx.Hash}, recomputed {computed} (the transaction or its postings were changed)")!);
                }

                var effectiveKind = tx.Kind;
                var month = Projections.Month(tx, zone);
                var sign = 1;
                if ((tx.Kind == TransactionKind.Reverse) != (tx.ReversesSeq is not null))
                {
                    return Broken(Break(tx.Seq, "a reversal must reference the transaction it reverses, and only a reversal may")!);
                }
                if (tx.ReversesSeq is { } reversed)
                {
                    if (!originals.TryGetValue(reversed, out var original))
                    {
                        return Broken(Break(tx.Seq, $"reverses transaction {reversed}, which does not precede it")!);
                    }
                    if (original.Kind == TransactionKind.Reverse || !reversedSeqs.Add(reversed))
                    {
                        return Broken(Break(tx.Seq, $"reverses transaction {reversed}, which is a reversal or was already reversed")!);
                    }
                    if (Digest(postings, -1) != original.Digest)
                    {
                        return Broken(Break(tx.Seq, $"does not negate the postings of transaction {reversed}, which it reverses")!);
                    }
                    (effectiveKind, month, sign) = (original.Kind, original.Month, -1);
                }
                originals[tx.Seq] = (tx.Kind, month, Digest(postings, 1));

                foreach (var line in postings)
                {
                    if (!accounts.TryGetValue(line.AccountId, out var isSystem))
                    {
                        return Broken(Break(tx.Seq, $"posts to account {line.AccountId}, which is not in this community")!);
                    }
                    balances[line.AccountId] = checked(balances.GetValueOrDefault(line.AccountId) + line.Amount);
                    lastTouch[line.AccountId] = tx.Seq;
                    if (!isSystem)
                    {
                        var key = new AggregateKey(line.AccountId, tx.MemberId ?? 0, tx.Category, month);
                        if (!aggregates.TryGetValue(key, out var delta))
                        {
                            aggregates[key] = delta = new AggregateDelta();
                        }
                        Projections.Apply(delta, effectiveKind, tx.Category, line.Amount, tx.Minutes, sign);
                    }
                }
                prevHash = tx.Hash;
                expectedSeq++;
            }
        }
        var lastSeq = expectedSeq - 1;

        if (storedHead is not { } chainHead)
        {
            return Broken(Break(null, "has no chain head")!);
        }
        var (headSeq, headHash) = chainHead;
        if (headSeq < lastSeq)
        {
            return Broken(Break(headSeq + 1, $"is in the journal but not covered by the chain head, which ends at {headSeq}")!);
        }
        if (headSeq > lastSeq)
        {
            return Broken(Break(lastSeq + 1, $"is missing: the chain head is at {headSeq} but the journal ends at {lastSeq}")!);
        }
        if (headHash != prevHash)
        {
            return Broken(Break(lastSeq, $"chain head hash {headHash} differs from the journal's {prevHash}")!);
        }

        var held = new Dictionary<long, long>();
        await using (var command = Query(connection, snapshot, SelectOpenHolds, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                held[reader.GetInt64(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var seen = new HashSet<long>();
        await using (var command = Query(connection, snapshot, SelectBalances, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var accountId = reader.GetInt64(0);
                seen.Add(accountId);
                var projected = reader.GetInt64(1);
                var journal = balances.GetValueOrDefault(accountId);
                if (projected != journal)
                {
                    return Broken(Break(lastTouch.TryGetValue(accountId, out var s) ? s : null,
                        $"balance of account {accountId} is {projected} in the projection but {journal} in the journal")!);
                }
                var projectedHeld = reader.GetInt64(2);
                if (projectedHeld != held.GetValueOrDefault(accountId))
                {
                    return Broken(Break(null, $"held of account {accountId} is {projectedHeld} but its open holds sum to {held.GetValueOrDefault(accountId)}")!);
                }
            }
        }
        foreach (var accountId in balances.Keys.Where(a => !seen.Contains(a)))
        {
            return Broken(Break(lastTouch[accountId], $"account {accountId} has postings but no balance row")!);
        }

        // The monthly totals are the aggregates summed over their categories (taken before the check below consumes them).
        var totals = new Dictionary<(long AccountId, long MemberId, string Month), AggregateDelta>();
        foreach (var (key, delta) in aggregates)
        {
            if (!totals.TryGetValue((key.AccountId, key.MemberId, key.Month), out var total))
            {
                totals[(key.AccountId, key.MemberId, key.Month)] = total = new AggregateDelta();
            }
            total.Add(delta);
        }
        await using (var command = Query(connection, snapshot, SelectAggregates, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = new AggregateKey(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3).Trim());
                var stored = new AggregateDelta
                {
                    Earned = reader.GetInt64(4),
                    Deducted = reader.GetInt64(5),
                    Redeemed = reader.GetInt64(6),
                    VolunteerMinutes = reader.GetInt64(7),
                };
                var expected = aggregates.GetValueOrDefault(key) ?? new AggregateDelta();
                aggregates.Remove(key);
                if (!stored.SameAs(expected))
                {
                    return Broken(Break(null, $"monthly aggregate {Describe(key)} is {Describe(stored)} but the journal gives {Describe(expected)}")!);
                }
            }
        }
        foreach (var (key, delta) in aggregates)
        {
            if (!delta.IsZero)
            {
                return Broken(Break(null, $"monthly aggregate {Describe(key)} is missing; the journal gives {Describe(delta)}")!);
            }
        }
        await using (var command = Query(connection, snapshot, SelectTotals, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2).Trim());
                var stored = new AggregateDelta
                {
                    Earned = reader.GetInt64(3),
                    Deducted = reader.GetInt64(4),
                    Redeemed = reader.GetInt64(5),
                    VolunteerMinutes = reader.GetInt64(6),
                };
                var expected = totals.GetValueOrDefault(key) ?? new AggregateDelta();
                totals.Remove(key);
                if (!stored.SameAs(expected))
                {
                    return Broken(Break(null, $"monthly total (account {key.Item1}, member {key.Item2}, {key.Item3}) is {Describe(stored)} but the journal gives {Describe(expected)}")!);
                }
            }
        }
        foreach (var (key, delta) in totals)
        {
            if (!delta.IsZero)
            {
                return Broken(Break(null, $"monthly total (account {key.AccountId}, member {key.MemberId}, {key.Month}) is missing; the journal gives {Describe(delta)}")!);
            }
        }
        // Stock on hand is a projection of the append-only stock movements, written in the same transaction as each one.
        await using (var command = Query(connection, snapshot, SelectStock, communityId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var (productId, name) = (reader.GetInt64(0), reader.GetString(1));
                var (onHand, moved) = (reader.GetInt64(2), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
                if (onHand != moved)
                {
                    return Broken(Break(null, $"stock of product {productId} ({name}) is {onHand} on hand but its movements sum to {moved}")!);
                }
            }
        }
        return new CommunityVerification(communityId, lastSeq, lastSeq, prevHash, null);
    }

    // A 64-bit FNV-1a digest of (account, sign × amount) in line order: enough to check that a reversal negates the
    // original without keeping every posting of a large ledger in memory.
    private static ulong Digest(IReadOnlyList<PostingLine> postings, int sign)
    {
        var hash = 14695981039346656037UL;
        foreach (var line in postings)
        {
            foreach (var value in (ReadOnlySpan<long>)[line.AccountId, sign * line.Amount])
            {
                hash = unchecked((hash ^ (ulong)value) * 1099511628211UL);
            }
        }
        return hash;
    }

    private static string Describe(AggregateKey key) =>
        $"(account {key.AccountId}, member {key.MemberId}, {key.Category}, {key.Month})";

    private static string Describe(AggregateDelta d) =>
        $"earned {d.Earned}, deducted {d.Deducted}, redeemed {d.Redeemed}, minutes {d.VolunteerMinutes}";

    private static DbCommand Query(DbConnection connection, DbTransaction snapshot, string sql, long communityId)
    {
        var command = PointsLedger.Command(connection, snapshot, sql);
        PointsLedger.Param(command, "@communityId", communityId);
        return command;
    }
}
