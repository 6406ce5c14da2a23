using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PointsBank.Data;

namespace PointsBank.Ledger;

/// <summary>
/// The ledger's part of one unit of work, which holds the community's chain-head lock. Balances and aggregates are
/// accumulated in memory and written once per account and key in <see cref="FlushAsync"/>, before the commit;
/// statements come prepared from a pooled <see cref="PostingContext"/>, which is what keeps single awards and batches
/// close to raw insert speed. Every posting rule is checked here, inside the lock, after the replay check.
/// </summary>
internal sealed class PostingSession(PostingContext context, DbTransaction tx, SqlDialect dialect, LockedCommunity community, DateTime now,
    ILedgerObserver? observer = null)
{
    private sealed class AccountState
    {
        public required long Balance;
        public required long Held;
        public required long LastSeq;
        public required bool IsSystem;
        public required long? HouseholdId;
        public required long? ResidentId;
        public required bool IsMember;
        public required bool OwnerActive;
        public bool Dirty;

        public long Available => Balance - Held;
    }

    private readonly Dictionary<long, AccountState?> _accounts = [];
    private readonly Dictionary<AggregateKey, AggregateDelta> _aggregates = [];
    private readonly Dictionary<SystemAccount, long> _systemAccounts = [];

    private readonly long communityId = community.Id;
    private long _lastSeq = community.LastSeq;
    private string _lastHash = community.LastHash;
    private bool _headMoved;
    private readonly TimeZoneInfo _zone = Projections.Zone(community.TimeZone);
    private readonly PenaltyPolicy _penaltyPolicy = community.PenaltyPolicy == "allow_negative" ? PenaltyPolicy.AllowNegative : PenaltyPolicy.Cap;
    private DateOnly? _today;

    // What this unit posted, by kind, for the observer (the metrics) when the unit is written.
    private static readonly int PostedKinds = Enum.GetValues<TransactionKind>().Length;
    private int[]? _postedPerKind;

    /// <summary>Today in the community's time zone, as the unit's clock says.</summary>
    private DateOnly Today => _today ??= Projections.LocalDate(now, _zone);

    public async Task<LedgerResult> PostAsync(LedgerEntry entry, CancellationToken ct)
    {
        // The effective date as asked (none means today), so a retry on another day still replays.
        var requestHash = PointsLedger.RequestHash("post", entry.Kind.ToDb(), entry.Category, entry.RuleCode, entry.RuleVersion,
            entry.Facts, entry.Explanation, entry.MemberId, entry.Minutes, entry.Postings,
            entry.EffectiveDate?.ToString(Projections.DateFormat, CultureInfo.InvariantCulture));
        // The replay check comes before every other: a retry returns the original even if the account changed since.
        if (await ReplayAsync(entry.IdempotencyKey, requestHash, ct) is { } replay)
        {
            return replay;
        }
        var effective = entry.EffectiveDate ?? Today;
        // A year-end expiry belongs to the 31 December it closes, however late the job gets to it (a PC off over New
        // Year, a back-dating limit of a few days): only "not in the future" applies to it.
        var yearEnd = entry.Kind == TransactionKind.Expire && entry.Category == Categories.YearEnd;
        if (EffectiveDateProblem(effective, checkAge: !yearEnd) is { } dateProblem)
        {
            return dateProblem;
        }
        foreach (var line in entry.Postings)
        {
            if (await AccountProblemAsync(line.AccountId, entry.Kind, ct) is { } accountProblem)
            {
                return accountProblem;
            }
        }
        if (entry.MemberId is { } member && await MemberProblemAsync(member, entry.Postings, ct) is { } memberProblem)
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, memberProblem);
        }

        var postings = entry.Postings;
        var explanation = entry.Explanation;
        var facts = entry.Facts;
        switch (entry.Kind)
        {
            case TransactionKind.Adjust when entry.Category == Categories.Transfer:
                // 赠送 moves points between two residents' accounts: never from or to a system account (that would
                // mint or burn points that no aggregate counts), and never overdrawing the giver.
                if (postings.Count != 2 || postings.Any(p => _accounts[p.AccountId]!.IsSystem))
                {
                    return LedgerResult.Fail(LedgerError.InvalidEntry, "a transfer moves points between exactly two household or person accounts");
                }
                if (Overdraft(postings) is { } transferOverdraft)
                {
                    return transferOverdraft;
                }
                break;
            case TransactionKind.Redeem:
                if ((Overdraft(postings) ?? RedeemableProblem(postings)) is { } refused)
                {
                    return refused;
                }
                break;
            case TransactionKind.Expire:
                if (Overdraft(postings) is { } overdraft)
                {
                    return overdraft;
                }
                break;
            case TransactionKind.Deduct when _penaltyPolicy == PenaltyPolicy.Cap:
                var capped = CapPenalty(postings);
                if (capped is null)
                {
                    return Overdraft(postings) ?? LedgerResult.Fail(LedgerError.InsufficientPoints, "the deduction exceeds the available points");
                }
                if (!ReferenceEquals(capped.Value.Postings, postings))
                {
                    postings = capped.Value.Postings;
                    // Stored text is in the community's language; the facts carry the numbers an English page needs.
                    explanation += $"（按社区规定，扣分以当前可用积分为限：应扣 {capped.Value.Requested} 分，实扣 {capped.Value.Actual} 分）";
                    facts = WithFact(facts, "penaltyCap", new JsonObject { ["requested"] = capped.Value.Requested, ["deducted"] = capped.Value.Actual });
                }
                break;
        }

        var posted = await AppendAsync(entry.Kind, entry.Category, entry.IdempotencyKey, requestHash, entry.RuleCode, entry.RuleVersion,
            facts, explanation, entry.Actor, entry.MemberId, entry.Minutes, reversesSeq: null, postings,
            effectiveKind: entry.Kind, effective, sign: 1, ct);
        return LedgerResult.Posted(posted);
    }

    public async Task<LedgerResult> ReverseAsync(long seq, string reason, string actor, string key, CancellationToken ct)
    {
        var requestHash = PointsLedger.RequestHash("reverse", seq, reason);
        if (await ReplayAsync(key, requestHash, ct) is { } replay)
        {
            return replay;
        }
        var original = await LoadAsync(seq, ct);
        if (original is null)
        {
            return LedgerResult.Fail(LedgerError.TransactionNotFound, $"transaction {seq} does not exist in community {communityId}");
        }
        if (original.Kind == TransactionKind.Reverse)
        {
            return LedgerResult.Fail(LedgerError.NotReversible, $"transaction {seq} is itself a reversal");
        }
        var existing = await Prepared(LedgerSql.SelectReversalOf, ("@communityId", communityId), ("@seq", seq)).ExecuteScalarAsync(ct);
        if (existing is not null and not DBNull)
        {
            return LedgerResult.Fail(LedgerError.AlreadyReversed, $"transaction {seq} was already reversed by transaction {existing}");
        }
        foreach (var line in original.Postings)
        {
            await AccountAsync(line.AccountId, ct);
        }
        var negated = original.Postings.Select(p => p with { Amount = checked(-p.Amount) }).ToList();
        var facts = JsonSerializer.Serialize(new { reverses = seq, reason });
        // A correction belongs to the day of what it corrects, so it takes the original out of that month; it is
        // exempt from the back-dating limit, since it corrects the past.
        var explanation = $"更正第 {seq} 笔：{reason}";
        var posted = await AppendAsync(TransactionKind.Reverse, original.Category, key, requestHash, original.RuleCode, original.RuleVersion,
            facts, explanation, actor, original.MemberId, original.Minutes, reversesSeq: seq, negated,
            effectiveKind: original.Kind, Projections.EffectiveDate(original, _zone), sign: -1, ct);
        return LedgerResult.Posted(posted);
    }

    public async Task<HoldResult> PlaceHoldAsync(long accountId, long amount, string reference, string actor, string key,
        DateTime? expiresAt, CancellationToken ct)
    {
        var requestHash = PointsLedger.RequestHash("hold", accountId, amount, reference, expiresAt?.ToString("O", CultureInfo.InvariantCulture));
        await using (var reader = await Prepared(LedgerSql.SelectIdempotencyKey, ("@communityId", communityId), ("@key", key)).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                var sameRequest = reader.GetString(0).Trim() == requestHash;
                var holdId = reader.GetInt64(1);
                await reader.CloseAsync();
                return sameRequest
                    ? new HoldResult(await LoadHoldAsync(holdId, ct), null, null, Replayed: true)
                    : HoldResult.Fail(LedgerError.IdempotencyConflict, $"idempotency key '{key}' was used for a different request");
            }
        }
        if (await PostedKeyAsync(key, ct) is { } seqOfKey)
        {
            return HoldResult.Fail(LedgerError.IdempotencyConflict, $"idempotency key '{key}' was already used by transaction {seqOfKey}");
        }
        if (await AccountProblemAsync(accountId, TransactionKind.Redeem, ct) is { } accountProblem)
        {
            return HoldResult.Fail(accountProblem.Error!.Value, accountProblem.Detail!);
        }
        var state = (await AccountAsync(accountId, ct))!;
        if (state.Available < amount)
        {
            return HoldResult.Fail(LedgerError.InsufficientPoints, $"available {state.Available}, needed {amount}");
        }
        if (RedeemableProblem(state, amount) is { } baseProblem)
        {
            return HoldResult.Fail(baseProblem.Error!.Value, baseProblem.Detail!);
        }
        var id = Convert.ToInt64(await Prepared(dialect.Pick(LedgerSql.InsertHold), ("@communityId", communityId), ("@accountId", accountId),
            ("@amount", amount), ("@reference", reference), ("@actor", actor), ("@now", now), ("@expiresAt", expiresAt)).ExecuteScalarAsync(ct),
            CultureInfo.InvariantCulture);
        state.Held = checked(state.Held + amount);
        state.Dirty = true;
        await Prepared(LedgerSql.InsertIdempotencyKey, ("@communityId", communityId), ("@key", key), ("@requestHash", requestHash),
            ("@command", "hold"), ("@resultId", id), ("@now", now)).ExecuteNonQueryAsync(ct);
        return new HoldResult(new Hold(id, communityId, accountId, amount, HoldStatus.Open, reference, now, expiresAt, null), null, null);
    }

    public async Task<LedgerResult> CaptureHoldAsync(long holdId, string key, string explanation, string actor, CancellationToken ct)
    {
        var requestHash = PointsLedger.RequestHash("capture", holdId);
        if (await ReplayAsync(key, requestHash, ct) is { } replay)
        {
            return replay;
        }
        var hold = await LoadHoldAsync(holdId, ct);
        if (hold is null)
        {
            return LedgerResult.Fail(LedgerError.HoldNotFound, $"hold {holdId} does not exist in community {communityId}");
        }
        if (hold.Status != HoldStatus.Open)
        {
            return LedgerResult.Fail(LedgerError.HoldNotOpen, $"hold {holdId} is {hold.Status.ToString().ToLowerInvariant()}");
        }
        if (hold.ExpiresAt is { } expires && expires <= now)
        {
            return LedgerResult.Fail(LedgerError.HoldNotOpen, $"hold {holdId} expired at {expires.ToString(CanonicalForm.TimeFormat, CultureInfo.InvariantCulture)}");
        }
        var state = (await AccountAsync(hold.AccountId, ct))!;
        var redeemed = await SystemAccountIdAsync(SystemAccount.Redeemed, ct);
        await AccountAsync(redeemed, ct);
        PostingLine[] postings = [new(hold.AccountId, -hold.Amount), new(redeemed, hold.Amount)];
        // The overdraft check sees the hold's points as freed; a refusal leaves the session as it was, since the unit
        // may go on and commit other work.
        state.Held = checked(state.Held - hold.Amount);
        if (Overdraft(postings) is { } overdraft)
        {
            state.Held = checked(state.Held + hold.Amount);
            return overdraft;
        }
        state.Dirty = true;
        var text = string.IsNullOrWhiteSpace(explanation) ? $"积分兑换（{hold.Reference}）" : explanation;
        var facts = JsonSerializer.Serialize(new { holdId, reference = hold.Reference });
        var posted = await AppendAsync(TransactionKind.Redeem, Categories.Redemption, key, requestHash, null, null, facts, text, actor,
            null, null, null, postings, TransactionKind.Redeem, Today, 1, ct);
        await Prepared(LedgerSql.CloseHold, ("@status", "captured"), ("@now", now), ("@closedBy", actor), ("@capturedSeq", posted.Seq),
            ("@holdId", holdId)).ExecuteNonQueryAsync(ct);
        return LedgerResult.Posted(posted);
    }

    public async Task<HoldResult> ReleaseHoldAsync(long holdId, string actor, bool onlyIfExpired, CancellationToken ct)
    {
        var hold = await LoadHoldAsync(holdId, ct);
        if (hold is null)
        {
            return HoldResult.Fail(LedgerError.HoldNotFound, $"hold {holdId} does not exist in community {communityId}");
        }
        switch (hold.Status)
        {
            case HoldStatus.Released:
                return new HoldResult(hold, null, null, Replayed: true);
            case HoldStatus.Captured:
                return HoldResult.Fail(LedgerError.HoldNotOpen, $"hold {holdId} was captured by transaction {hold.CapturedSeq}");
        }
        if (onlyIfExpired && (hold.ExpiresAt is not { } expires || expires > now))
        {
            return HoldResult.Fail(LedgerError.HoldNotOpen, $"hold {holdId} has not expired");
        }
        var state = (await AccountAsync(hold.AccountId, ct))!;
        state.Held = checked(state.Held - hold.Amount);
        state.Dirty = true;
        await Prepared(LedgerSql.CloseHold, ("@status", "released"), ("@now", now), ("@closedBy", actor), ("@capturedSeq", null),
            ("@holdId", holdId)).ExecuteNonQueryAsync(ct);
        return new HoldResult(hold with { Status = HoldStatus.Released }, null, null);
    }

    /// <summary>Writes the balances, aggregates, monthly totals and chain head the session changed. Called just before commit.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        foreach (var (accountId, state) in _accounts)
        {
            if (state is { Dirty: true })
            {
                await Prepared(LedgerSql.UpdateBalance, ("@balance", state.Balance), ("@held", state.Held), ("@lastSeq", state.LastSeq),
                    ("@accountId", accountId)).ExecuteNonQueryAsync(ct);
            }
        }
        var totals = new Dictionary<(long AccountId, long MemberId, string Month), AggregateDelta>();
        foreach (var (key, delta) in _aggregates)
        {
            if (delta.IsZero)
            {
                continue;
            }
            if (!totals.TryGetValue((key.AccountId, key.MemberId, key.Month), out var total))
            {
                totals[(key.AccountId, key.MemberId, key.Month)] = total = new AggregateDelta();
            }
            total.Add(delta);
            var updated = await Prepared(LedgerSql.UpdateAggregate, ("@earned", delta.Earned), ("@deducted", delta.Deducted),
                ("@redeemed", delta.Redeemed), ("@minutes", delta.VolunteerMinutes), ("@accountId", key.AccountId),
                ("@memberId", key.MemberId), ("@category", key.Category), ("@month", key.Month)).ExecuteNonQueryAsync(ct);
            if (updated == 0)
            {
                await Prepared(LedgerSql.InsertAggregate, ("@communityId", communityId), ("@accountId", key.AccountId),
                    ("@memberId", key.MemberId), ("@category", key.Category), ("@month", key.Month), ("@earned", delta.Earned),
                    ("@deducted", delta.Deducted), ("@redeemed", delta.Redeemed), ("@minutes", delta.VolunteerMinutes)).ExecuteNonQueryAsync(ct);
            }
        }
        foreach (var ((accountId, memberId, month), total) in totals)
        {
            if (total.IsZero)
            {
                continue;
            }
            var updated = await Prepared(LedgerSql.UpdateTotal, ("@earned", total.Earned), ("@deducted", total.Deducted),
                ("@redeemed", total.Redeemed), ("@minutes", total.VolunteerMinutes), ("@communityId", communityId), ("@month", month),
                ("@accountId", accountId), ("@memberId", memberId)).ExecuteNonQueryAsync(ct);
            if (updated == 0)
            {
                await Prepared(LedgerSql.InsertTotal, ("@communityId", communityId), ("@month", month), ("@accountId", accountId),
                    ("@memberId", memberId), ("@earned", total.Earned), ("@deducted", total.Deducted), ("@redeemed", total.Redeemed),
                    ("@minutes", total.VolunteerMinutes)).ExecuteNonQueryAsync(ct);
            }
        }
        if (_headMoved)
        {
            await Prepared(LedgerSql.UpdateChainHead, ("@lastSeq", _lastSeq), ("@lastHash", _lastHash), ("@now", now),
                ("@communityId", communityId)).ExecuteNonQueryAsync(ct);
        }
        if (_postedPerKind is { } posted)
        {
            observer?.Posted(posted);
        }
    }

    private async Task<LedgerTransaction> AppendAsync(TransactionKind kind, string category, string key, string requestHash,
        string? ruleCode, int? ruleVersion, string facts, string explanation, string actor, long? memberId, int? minutes,
        long? reversesSeq, IReadOnlyList<PostingLine> postings, TransactionKind effectiveKind, DateOnly effectiveDate, int sign, CancellationToken ct)
    {
        var seq = checked(_lastSeq + 1);
        (_postedPerKind ??= new int[PostedKinds])[(int)kind]++;
        var month = Projections.Month(effectiveDate);
        var draft = new LedgerTransaction(0, communityId, seq, kind, category, key, ruleCode, ruleVersion, facts, explanation, actor,
            memberId, minutes, reversesSeq, now, _lastHash, "", postings) { EffectiveDate = effectiveDate };
        var hash = CanonicalForm.Hash(_lastHash, draft);
        var id = Convert.ToInt64(await Prepared(dialect.Pick(LedgerSql.InsertTransaction),
            ("@communityId", communityId), ("@seq", seq), ("@kind", kind.ToDb()), ("@category", category), ("@key", key),
            ("@requestHash", requestHash), ("@ruleCode", ruleCode), ("@ruleVersion", ruleVersion), ("@facts", facts),
            ("@explanation", explanation), ("@actor", actor), ("@memberId", memberId), ("@minutes", minutes),
            ("@reversesSeq", reversesSeq), ("@occurredAt", now), ("@effectiveDate", effectiveDate.ToString(Projections.DateFormat, CultureInfo.InvariantCulture)),
            ("@prevHash", _lastHash), ("@hash", hash)).ExecuteScalarAsync(ct),
            CultureInfo.InvariantCulture);
        for (var i = 0; i < postings.Count; i++)
        {
            var line = postings[i];
            await Prepared(LedgerSql.InsertPosting, ("@transactionId", id), ("@lineNo", i + 1), ("@accountId", line.AccountId),
                ("@amount", line.Amount)).ExecuteNonQueryAsync(ct);
            var state = _accounts[line.AccountId]!;
            state.Balance = checked(state.Balance + line.Amount);
            state.LastSeq = seq;
            state.Dirty = true;
            if (!state.IsSystem)
            {
                var aggregateKey = new AggregateKey(line.AccountId, memberId ?? 0, category, month);
                if (!_aggregates.TryGetValue(aggregateKey, out var delta))
                {
                    _aggregates[aggregateKey] = delta = new AggregateDelta();
                }
                Projections.Apply(delta, effectiveKind, category, line.Amount, minutes, sign);
            }
        }
        _lastSeq = seq;
        _lastHash = hash;
        _headMoved = true;
        return draft with { Id = id, Hash = hash };
    }

    private LedgerResult? Overdraft(IReadOnlyList<PostingLine> postings)
    {
        foreach (var line in postings)
        {
            var state = _accounts[line.AccountId]!;
            if (line.Amount < 0 && !state.IsSystem && state.Available + line.Amount < 0)
            {
                return LedgerResult.Fail(LedgerError.InsufficientPoints,
                    $"account {line.AccountId} has {Math.Max(0, state.Available)} points available, {-line.Amount} needed");
            }
        }
        return null;
    }

    // 保留基础分 (year-end policy non_redeemable_base): spending may not take a member account's available points below
    // the community's base. Checked where points are reserved for a voucher (PlaceHoldAsync: every counter redemption
    // goes through a hold, and its capture spends exactly what the hold reserved) and for a direct redeem posting.
    private LedgerResult? RedeemableProblem(IReadOnlyList<PostingLine> postings)
    {
        foreach (var line in postings)
        {
            if (line.Amount < 0 && RedeemableProblem(_accounts[line.AccountId]!, -line.Amount) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    private LedgerResult? RedeemableProblem(AccountState state, long amount) =>
        community.YearEnd == "non_redeemable_base" && !state.IsSystem && state.Available - amount < community.YearEndBase
            ? LedgerResult.Fail(LedgerError.InsufficientPoints,
                $"{community.YearEndBase} 分基础分不可兑换 / a base of {community.YearEndBase} points is not redeemable: {Math.Max(0, state.Available - community.YearEndBase)} points redeemable, {amount} needed")
            : null;

    // The default penalty policy: a deduction takes at most what the account has available. Only the plain shape
    // (one account debited, one credited) can be capped; anything else must fit as it is.
    private (IReadOnlyList<PostingLine> Postings, long Requested, long Actual)? CapPenalty(IReadOnlyList<PostingLine> postings)
    {
        if (Overdraft(postings) is null)
        {
            return (postings, 0, 0);
        }
        if (postings.Count != 2)
        {
            return null;
        }
        var debitIndex = postings[0].Amount < 0 ? 0 : 1;
        var debit = postings[debitIndex];
        var credit = postings[1 - debitIndex];
        var actual = Math.Max(0, _accounts[debit.AccountId]!.Available);
        PostingLine[] capped = new PostingLine[2];
        capped[debitIndex] = debit with { Amount = -actual };
        capped[1 - debitIndex] = credit with { Amount = actual };
        return (capped, -debit.Amount, actual);
    }

    private async Task<LedgerResult?> ReplayAsync(string key, string requestHash, CancellationToken ct)
    {
        long seq;
        string storedHash;
        await using (var reader = await Prepared(LedgerSql.SelectByKey, ("@communityId", communityId), ("@key", key)).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                seq = 0;
                storedHash = "";
            }
            else
            {
                seq = reader.GetInt64(0);
                storedHash = reader.GetString(1).Trim();
            }
        }
        if (seq == 0)
        {
            // Holds and postings share one namespace: a key a hold used cannot post.
            return await Prepared(LedgerSql.SelectIdempotencyKey, ("@communityId", communityId), ("@key", key)).ExecuteScalarAsync(ct) is null or DBNull
                ? null
                : LedgerResult.Fail(LedgerError.IdempotencyConflict, $"idempotency key '{key}' was already used for a hold");
        }
        return storedHash == requestHash
            ? LedgerResult.Replay((await LoadAsync(seq, ct))!)
            : LedgerResult.Fail(LedgerError.IdempotencyConflict,
                $"idempotency key '{key}' was already used by transaction {seq} for a different request");
    }

    private async Task<long?> PostedKeyAsync(string key, CancellationToken ct)
    {
        await using var reader = await Prepared(LedgerSql.SelectByKey, ("@communityId", communityId), ("@key", key)).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? reader.GetInt64(0) : null;
    }

    public Task<LedgerTransaction?> LoadAsync(long seq, CancellationToken ct) => LoadAsync(context, tx, communityId, seq, ct);

    /// <summary>One transaction with its postings, read on a posting context (inside a unit of work or not).</summary>
    public static async Task<LedgerTransaction?> LoadAsync(PostingContext context, DbTransaction? tx, long communityId, long seq, CancellationToken ct)
    {
        LedgerTransaction loaded;
        await using (var reader = await context.Command(LedgerSql.SelectTransaction, tx, [("@communityId", communityId), ("@seq", seq)]).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            loaded = LedgerReader.Transaction(reader, communityId, []);
        }
        var postings = new List<PostingLine>();
        await using (var reader = await context.Command(LedgerSql.SelectPostings, tx, [("@transactionId", loaded.Id)]).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                postings.Add(new PostingLine(reader.GetInt64(0), reader.GetInt64(1)));
            }
        }
        return loaded with { Postings = postings };
    }

    private async Task<Hold?> LoadHoldAsync(long holdId, CancellationToken ct)
    {
        await using var reader = await Prepared(LedgerSql.SelectHold, ("@holdId", holdId), ("@communityId", communityId)).ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var status = reader.GetString(3) switch
        {
            "open" => HoldStatus.Open,
            "captured" => HoldStatus.Captured,
            _ => HoldStatus.Released,
        };
        return new Hold(reader.GetInt64(0), communityId, reader.GetInt64(1), reader.GetInt64(2), status, reader.GetString(4),
            Clock.AsUtc(reader.GetDateTime(5)), reader.IsDBNull(6) ? null : Clock.AsUtc(reader.GetDateTime(6)),
            reader.IsDBNull(7) ? null : reader.GetInt64(7));
    }

    private async Task<AccountState?> AccountAsync(long accountId, CancellationToken ct)
    {
        if (_accounts.TryGetValue(accountId, out var cached))
        {
            return cached;
        }
        AccountState? state = null;
        await using (var reader = await Prepared(LedgerSql.SelectAccountState, ("@accountId", accountId)).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct) && reader.GetInt64(0) == communityId)
            {
                state = new AccountState
                {
                    IsSystem = reader.GetString(1) == "system",
                    Balance = reader.GetInt64(2),
                    Held = reader.GetInt64(3),
                    LastSeq = reader.GetInt64(4),
                    HouseholdId = reader.IsDBNull(5) ? null : reader.GetInt64(5),
                    ResidentId = reader.IsDBNull(6) ? null : reader.GetInt64(6),
                    IsMember = reader.GetString(1) is "household" or "person",
                    OwnerActive = Convert.ToBoolean(reader.GetValue(7), CultureInfo.InvariantCulture),
                };
            }
        }
        _accounts[accountId] = state;
        return state;
    }

    private async Task<long> SystemAccountIdAsync(SystemAccount system, CancellationToken ct)
    {
        if (!_systemAccounts.TryGetValue(system, out var id))
        {
            id = Convert.ToInt64(await Prepared(LedgerSql.SelectSystemAccount, ("@communityId", communityId), ("@systemCode", system.ToDb()))
                .ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            _systemAccounts[system] = id;
        }
        return id;
    }

    /// <summary>
    /// The posting rules for an account, checked inside the lock: it exists in this community; a points account of a
    /// resident (household or person, never another kind except the community's own system accounts); and, except
    /// for year-end expiry, in an active community with an active household or resident — a household that moved
    /// away earns and loses nothing new.
    /// </summary>
    private async Task<LedgerResult?> AccountProblemAsync(long accountId, TransactionKind kind, CancellationToken ct)
    {
        var state = await AccountAsync(accountId, ct);
        if (state is null)
        {
            return LedgerResult.Fail(LedgerError.UnknownAccount, $"account {accountId} does not exist in community {communityId}");
        }
        if (state.IsSystem)
        {
            return null;
        }
        if (!state.IsMember)
        {
            return LedgerResult.Fail(LedgerError.UnknownAccount, $"account {accountId} is not a household or person account of community {communityId}");
        }
        if (kind == TransactionKind.Expire)
        {
            return null;
        }
        if (!community.IsActive)
        {
            return LedgerResult.Fail(LedgerError.CommunityInactive, $"community {communityId} is deactivated");
        }
        return state.OwnerActive
            ? null
            : LedgerResult.Fail(LedgerError.AccountInactive, $"the household or resident of account {accountId} is deactivated");
    }

    // Never in the future, never older than the community's back-dating limit (both in the community's time zone).
    private LedgerResult? EffectiveDateProblem(DateOnly effective, bool checkAge = true)
    {
        if (effective > Today)
        {
            return LedgerResult.Fail(LedgerError.EffectiveDateInFuture,
                $"the effective date {effective.ToString(Projections.DateFormat, CultureInfo.InvariantCulture)} is after today ({Today.ToString(Projections.DateFormat, CultureInfo.InvariantCulture)})");
        }
        var earliest = Today.AddDays(-community.BackdateDays);
        return checkAge && effective < earliest
            ? LedgerResult.Fail(LedgerError.EffectiveDateTooOld,
                $"the effective date {effective.ToString(Projections.DateFormat, CultureInfo.InvariantCulture)} is more than {community.BackdateDays} days ago (earliest {earliest.ToString(Projections.DateFormat, CultureInfo.InvariantCulture)})")
            : null;
    }

    private static string WithFact(string facts, string name, JsonNode value)
    {
        var node = JsonNode.Parse(facts) as JsonObject ?? new JsonObject { ["facts"] = JsonNode.Parse(facts) };
        node[name] = value;
        return node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    // The member who earned or lost the points must be an active resident behind one of the transaction's member
    // accounts: a member of the household, or the person. Anything else would corrupt per-person rankings.
    private async Task<string?> MemberProblemAsync(long residentId, IReadOnlyList<PostingLine> postings, CancellationToken ct)
    {
        long? household;
        bool active;
        await using (var reader = await Prepared(LedgerSql.SelectMember, ("@residentId", residentId), ("@communityId", communityId)).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return $"resident {residentId} does not exist in community {communityId}";
            }
            household = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            active = Convert.ToBoolean(reader.GetValue(1), CultureInfo.InvariantCulture);
        }
        if (!active)
        {
            return $"resident {residentId} is deactivated";
        }
        foreach (var line in postings)
        {
            var account = _accounts[line.AccountId]!;
            if ((account.HouseholdId is { } accountHousehold && accountHousehold == household) || account.ResidentId == residentId)
            {
                return null;
            }
        }
        return $"resident {residentId} is not a member of the household or person whose account this is";
    }

    // Statements are prepared once per pooled context and re-bound on later calls; arguments always come in the
    // same order for a given statement.
    private DbCommand Prepared(string sql, params ReadOnlySpan<(string Name, object? Value)> args) => context.Command(sql, tx, args);
}
