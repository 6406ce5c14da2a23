using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PointsBank.Data;

namespace PointsBank.Ledger;

/// <summary>
/// The one posting path. Every feature that moves points calls this class; nothing else writes
/// <c>ledger_transactions</c>, <c>ledger_postings</c>, <c>balances</c>, <c>monthly_aggregates</c>, <c>holds</c>
/// or <c>chain_heads</c>.
/// </summary>
/// <remarks>
/// Each command runs in one database transaction that first locks the community's chain head (BEGIN IMMEDIATE on
/// SQLite, UPDLOCK on SQL Server). That lock serializes posting per community across processes, allocates the
/// gapless sequence number, and makes the idempotency, balance and hold checks race-free. There is no in-process
/// lock: two app instances on one database stay correct.
/// </remarks>
public sealed class PointsLedger(DbDataSource db, SqlDialect dialect, TimeProvider clock, ILedgerObserver? observer = null) : IAsyncDisposable
{
    public const int MaxKeyLength = 200;
    public const int MaxExplanationLength = 1500;
    public const int MaxCategoryLength = 64;
    public const int MaxBatchSize = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long, SystemAccount), long> _systemAccounts = new();

    /// <summary>Open connections with the ledger's statements prepared, rented by every <see cref="UnitOfWork"/>.</summary>
    internal PostingContextPool Contexts => _writer.Pool;

    /// <summary>The write queue with group commit (SQLite only; null on SQL Server, where each unit commits on its own).</summary>
    public WriteQueue? Queue => _writer.Queue;

    private readonly (PostingContextPool Pool, WriteQueue? Queue) _writer = Writer(db, dialect);

    private static (PostingContextPool, WriteQueue?) Writer(DbDataSource db, SqlDialect dialect)
    {
        var pool = new PostingContextPool(db);
        return (pool, dialect.Provider == DatabaseProvider.Sqlite ? new WriteQueue(pool) : null);
    }

    public SqlDialect Dialect => dialect;

    public TimeProvider Time => clock;

    /// <summary>Posts one transaction inside <paramref name="work"/>. Expected failures come back as values; nothing is written when one occurs.</summary>
    public async Task<LedgerResult> PostAsync(UnitOfWork work, LedgerEntry entry, CancellationToken ct = default)
    {
        if (Invalid(entry) is { } problem)
        {
            return LedgerResult.Fail(problem.Error, problem.Detail);
        }
        return Session(work, entry.CommunityId) is { } session
            ? await session.PostAsync(entry, ct)
            : LedgerResult.Fail(LedgerError.UnknownCommunity, $"community {entry.CommunityId} does not exist");
    }

    /// <summary>Posts one transaction in a unit of work of its own (for callers outside the request pipeline).</summary>
    public Task<LedgerResult> PostAsync(LedgerEntry entry, CancellationToken ct = default) =>
        AloneAsync(entry.CommunityId, work => PostAsync(work, entry, ct), static r => r.Succeeded && !r.Replayed, ct);

    /// <summary>
    /// Posts many transactions of one community inside <paramref name="work"/>: all or nothing (on a failure the
    /// caller rolls the unit back). Entries whose key was already posted with the same payload are returned as they
    /// were (replayed), not posted again.
    /// </summary>
    public async Task<BatchResult> PostBatchAsync(UnitOfWork work, IReadOnlyList<LedgerEntry> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0 || entries.Count > MaxBatchSize)
        {
            return new BatchResult([], LedgerError.InvalidEntry, $"a batch holds 1 to {MaxBatchSize} entries");
        }
        var communityId = entries[0].CommunityId;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].CommunityId != communityId)
            {
                return new BatchResult([], LedgerError.InvalidEntry, "every entry of a batch belongs to one community", i);
            }
            if (Invalid(entries[i]) is { } problem)
            {
                return new BatchResult([], problem.Error, problem.Detail, i);
            }
        }
        if (Session(work, communityId) is not { } session)
        {
            return new BatchResult([], LedgerError.UnknownCommunity, $"community {communityId} does not exist");
        }
        var posted = new List<LedgerTransaction>(entries.Count);
        var anyNew = false;
        for (var i = 0; i < entries.Count; i++)
        {
            var result = await session.PostAsync(entries[i], ct);
            if (!result.Succeeded)
            {
                return new BatchResult([], result.Error, result.Detail, i);
            }
            anyNew |= !result.Replayed;
            posted.Add(result.Transaction!);
        }
        return new BatchResult(posted, null, null) { Commit = anyNew };
    }

    /// <summary>Posts a batch in a unit of work of its own: all or nothing.</summary>
    public Task<BatchResult> PostBatchAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken ct = default) =>
        AloneAsync(entries.Count > 0 ? entries[0].CommunityId : 0, work => PostBatchAsync(work, entries, ct), static r => r.Succeeded && r.Commit, ct,
            bulk: true);

    /// <summary>
    /// Reverses a transaction with a new one that negates its postings and references it. A transaction can be
    /// reversed once; a reversal cannot itself be reversed. A reversal may leave an account below zero: it undoes
    /// points that should never have been there. It belongs to the original's effective date.
    /// </summary>
    public async Task<LedgerResult> ReverseAsync(UnitOfWork work, long communityId, long seq, string reason, string actor, string idempotencyKey,
        CancellationToken ct = default)
    {
        if (!StoredText.IsValid(reason) || reason.Length > 500)
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, "a reversal needs a reason of 1 to 500 visible characters");
        }
        if (KeyProblem(idempotencyKey) is { } keyProblem)
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, keyProblem);
        }
        if (!StoredText.IsValid(actor))
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, "the actor is required");
        }
        return Session(work, communityId) is { } session
            ? await session.ReverseAsync(seq, reason.Trim(), actor, idempotencyKey, ct)
            : LedgerResult.Fail(LedgerError.UnknownCommunity, $"community {communityId} does not exist");
    }

    public Task<LedgerResult> ReverseAsync(long communityId, long seq, string reason, string actor, string idempotencyKey,
        CancellationToken ct = default) =>
        AloneAsync(communityId, work => ReverseAsync(work, communityId, seq, reason, actor, idempotencyKey, ct), static r => r.Succeeded && !r.Replayed, ct);

    /// <summary>Reserves points for a redemption voucher. Fails when the available balance is short.</summary>
    public async Task<HoldResult> PlaceHoldAsync(UnitOfWork work, long communityId, long accountId, long amount, string reference, string actor,
        string idempotencyKey, DateTime? expiresAt, CancellationToken ct = default)
    {
        if (amount <= 0)
        {
            return HoldResult.Fail(LedgerError.InvalidEntry, "a hold is for a positive number of points");
        }
        if (KeyProblem(idempotencyKey) is { } keyProblem)
        {
            return HoldResult.Fail(LedgerError.InvalidEntry, keyProblem);
        }
        if (!StoredText.IsValid(reference) || !StoredText.IsValid(actor))
        {
            return HoldResult.Fail(LedgerError.InvalidEntry, "a hold needs a reference and an actor");
        }
        return Session(work, communityId) is { } session
            ? await session.PlaceHoldAsync(accountId, amount, reference, actor, idempotencyKey, expiresAt, ct)
            : HoldResult.Fail(LedgerError.UnknownCommunity, $"community {communityId} does not exist");
    }

    public Task<HoldResult> PlaceHoldAsync(long communityId, long accountId, long amount, string reference, string actor,
        string idempotencyKey, DateTime? expiresAt, CancellationToken ct = default) =>
        AloneAsync(communityId, work => PlaceHoldAsync(work, communityId, accountId, amount, reference, actor, idempotencyKey, expiresAt, ct),
            static r => r.Succeeded && !r.Replayed, ct);

    /// <summary>Turns an open hold into a redemption posting (account → redeemed) and closes the hold.</summary>
    public async Task<LedgerResult> CaptureHoldAsync(UnitOfWork work, long communityId, long holdId, string idempotencyKey, string explanation,
        string actor, CancellationToken ct = default)
    {
        if (KeyProblem(idempotencyKey) is { } keyProblem)
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, keyProblem);
        }
        // Blank means the default explanation; anything else is stored text like every other explanation.
        if (!string.IsNullOrWhiteSpace(explanation)
            && (explanation.Length > MaxExplanationLength || !StoredText.IsValid(explanation, allowLineBreaks: true)))
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry,
                $"the explanation is 1 to {MaxExplanationLength} characters of visible text without control characters");
        }
        if (actor is null || actor.Length > 200 || !StoredText.IsValid(actor))
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, "the actor is required (at most 200 characters)");
        }
        return Session(work, communityId) is { } session
            ? await session.CaptureHoldAsync(holdId, idempotencyKey, explanation, actor, ct)
            : LedgerResult.Fail(LedgerError.UnknownCommunity, $"community {communityId} does not exist");
    }

    public Task<LedgerResult> CaptureHoldAsync(long communityId, long holdId, string idempotencyKey, string explanation,
        string actor, CancellationToken ct = default) =>
        AloneAsync(communityId, work => CaptureHoldAsync(work, communityId, holdId, idempotencyKey, explanation, actor, ct),
            static r => r.Succeeded && !r.Replayed, ct);

    /// <summary>
    /// Releases an open hold. Releasing a released hold is a no-op (<see cref="HoldResult.Replayed"/>); a captured
    /// hold cannot be released. With <paramref name="onlyIfExpired"/> (the background job) a hold that has not expired
    /// is left alone, so a job that read a stale list can do no harm.
    /// </summary>
    public async Task<HoldResult> ReleaseHoldAsync(UnitOfWork work, long communityId, long holdId, string actor, bool onlyIfExpired = false,
        CancellationToken ct = default) =>
        Session(work, communityId) is { } session
            ? await session.ReleaseHoldAsync(holdId, actor, onlyIfExpired, ct)
            : HoldResult.Fail(LedgerError.UnknownCommunity, $"community {communityId} does not exist");

    public Task<HoldResult> ReleaseHoldAsync(long communityId, long holdId, string actor = "system", CancellationToken ct = default) =>
        AloneAsync(communityId, work => ReleaseHoldAsync(work, communityId, holdId, actor, false, ct), static r => r.Succeeded && !r.Replayed, ct);

    /// <summary>The id of one of the community's system accounts (they never change once created, so it is cached).</summary>
    public async Task<long?> SystemAccountIdAsync(long communityId, SystemAccount system, CancellationToken ct = default)
    {
        if (_systemAccounts.TryGetValue((communityId, system), out var cached))
        {
            return cached;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = Command(connection, null, LedgerSql.SelectSystemAccount);
        Param(command, "@communityId", communityId);
        Param(command, "@systemCode", system.ToDb());
        if (await command.ExecuteScalarAsync(ct) is not { } value || value is DBNull)
        {
            return null;
        }
        var id = Convert.ToInt64(value, CultureInfo.InvariantCulture);
        _systemAccounts[(communityId, system)] = id;
        return id;
    }

    public async Task<LedgerTransaction?> GetTransactionAsync(long communityId, long seq, CancellationToken ct = default)
    {
        var context = await Contexts.RentAsync(ct);
        try
        {
            var transaction = await PostingSession.LoadAsync(context, null, communityId, seq, ct);
            await Contexts.ReturnAsync(context);
            return transaction;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    public async Task<AccountBalance?> GetBalanceAsync(long communityId, long accountId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = LedgerSql.SelectBalance;
        Param(command, "@accountId", accountId);
        Param(command, "@communityId", communityId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new AccountBalance(accountId, communityId, reader.GetInt64(0), reader.GetInt64(1))
            : null;
    }

    /// <summary>Creates the community's chain head (genesis) and its system accounts, inside the unit that creates the community.</summary>
    public async Task InitializeCommunityAsync(UnitOfWork work, long communityId, CancellationToken ct)
    {
        await using (var head = Command(work.Connection, work.Transaction, LedgerSql.InsertChainHead))
        {
            Param(head, "@communityId", communityId);
            Param(head, "@genesis", CanonicalForm.GenesisHash);
            Param(head, "@now", work.Now);
            await head.ExecuteNonQueryAsync(ct);
        }
        foreach (var system in Enum.GetValues<SystemAccount>())
        {
            await OpenAccountAsync(work, communityId, AccountKind.System, null, system, SystemAccountName(system), ct);
        }
    }

    /// <summary>Opens an account with a zero balance. The caller checks that the owner exists in the community.</summary>
    public async Task<long> OpenAccountAsync(UnitOfWork work, long communityId, AccountKind kind,
        long? ownerId, SystemAccount? system, string name, CancellationToken ct)
    {
        long accountId;
        await using (var insert = Command(work.Connection, work.Transaction, dialect.Pick(LedgerSql.InsertAccount)))
        {
            Param(insert, "@communityId", communityId);
            Param(insert, "@kind", kind.ToDb());
            Param(insert, "@householdId", kind == AccountKind.Household ? ownerId : null);
            Param(insert, "@residentId", kind == AccountKind.Person ? ownerId : null);
            Param(insert, "@shopId", kind == AccountKind.Shop ? ownerId : null);
            Param(insert, "@systemCode", system?.ToDb());
            Param(insert, "@name", name);
            Param(insert, "@now", work.Now);
            accountId = Convert.ToInt64(await insert.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
        await using (var balance = Command(work.Connection, work.Transaction, LedgerSql.InsertBalance))
        {
            Param(balance, "@accountId", accountId);
            Param(balance, "@communityId", communityId);
            await balance.ExecuteNonQueryAsync(ct);
        }
        return accountId;
    }

    public static string SystemAccountName(SystemAccount system) => system switch
    {
        SystemAccount.Issuance => "积分发放",
        SystemAccount.Redeemed => "积分兑换",
        SystemAccount.Penalty => "扣分",
        SystemAccount.Expired => "积分过期",
        _ => throw new ArgumentOutOfRangeException(nameof(system)),
    };

    /// <summary>SHA-256 over what a caller asked for (not who asked, nor when): equal payloads, equal hashes.</summary>
    internal static string RequestHash(params object?[] parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            var text = part switch
            {
                null => "",
                IReadOnlyList<PostingLine> lines => string.Join(";", lines.Select(l => $"{l.AccountId}:{l.Amount}")),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => part.ToString() ?? "",
            };
            builder.Append(Encoding.UTF8.GetByteCount(text)).Append(':').Append(text).Append(',');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    private static (LedgerError Error, string Detail)? Invalid(LedgerEntry entry)
    {
        if (KeyProblem(entry.IdempotencyKey) is { } keyProblem)
        {
            return (LedgerError.InvalidEntry, keyProblem);
        }
        if (entry.Kind == TransactionKind.Reverse)
        {
            return (LedgerError.InvalidEntry, "reversals go through ReverseAsync");
        }
        if (string.IsNullOrWhiteSpace(entry.Category) || entry.Category.Length > MaxCategoryLength || !StoredText.IsValid(entry.Category))
        {
            return (LedgerError.InvalidEntry, $"the category is required (at most {MaxCategoryLength} characters)");
        }
        // Stored text can never be edited: refuse control characters, bidi overrides and invisible-only text here,
        // on the one path every posting takes, whatever the caller checked before.
        if (entry.Explanation is null || entry.Explanation.Length > MaxExplanationLength || !StoredText.IsValid(entry.Explanation, allowLineBreaks: true))
        {
            return (LedgerError.InvalidEntry, $"the explanation is required: 1 to {MaxExplanationLength} characters of visible text without control characters");
        }
        if (entry.Actor is null || entry.Actor.Length > 200 || !StoredText.IsValid(entry.Actor))
        {
            return (LedgerError.InvalidEntry, "the actor is required (at most 200 characters)");
        }
        if (!StoredText.IsValidUnicode(entry.Facts) || entry.Facts.Contains('\0') || (entry.RuleCode is not null && !StoredText.IsValid(entry.RuleCode)))
        {
            return (LedgerError.InvalidEntry, "text fields must be valid Unicode without control characters");
        }
        if (entry.RuleCode is "")
        {
            return (LedgerError.InvalidEntry, "a rule code, when given, is not empty");
        }
        if (entry.Minutes is < 0)
        {
            return (LedgerError.InvalidEntry, "minutes are not negative");
        }
        if (entry.Postings.Count < 2)
        {
            return (LedgerError.Unbalanced, "a transaction has at least two postings");
        }
        long sum = 0;
        foreach (var line in entry.Postings)
        {
            sum = checked(sum + line.Amount);
        }
        if (sum != 0)
        {
            return (LedgerError.Unbalanced, $"the postings sum to {sum}, not 0");
        }
        if (entry.Postings.Select(p => p.AccountId).Distinct().Count() != entry.Postings.Count)
        {
            return (LedgerError.InvalidEntry, "an account appears once per transaction");
        }
        return null;
    }

    /// <summary>An idempotency key is 1 to <see cref="MaxKeyLength"/> characters, not all white space.</summary>
    public static bool IsValidKey(string? key) =>
        !string.IsNullOrWhiteSpace(key) && key.Length <= MaxKeyLength && StoredText.IsValid(key);

    private static string? KeyProblem(string? key) =>
        IsValidKey(key) ? null : $"an idempotency key of 1 to {MaxKeyLength} visible characters is required";

    // The session of the unit's locked community, created on the ledger's first command in that unit.
    private PostingSession? Session(UnitOfWork work, long communityId)
    {
        if (work.CommunityId != communityId)
        {
            throw new InvalidOperationException(
                $"the unit of work holds the lock of community {work.CommunityId?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, not {communityId}");
        }
        if (work.Community is not { } community)
        {
            return null;
        }
        return work.LedgerSession ??= new PostingSession(work.Context, work.Transaction, dialect, community, work.Now, observer);
    }

    // A command outside the request pipeline (CLI, jobs, tests, benchmark) gets a unit of work of its own: the
    // same path, committed when the command succeeded and wrote something.
    private async Task<T> AloneAsync<T>(long communityId, Func<UnitOfWork, Task<T>> command, Func<T, bool> commit, CancellationToken ct,
        bool bulk = false)
    {
        await using var work = new UnitOfWork(this);
        await work.BeginAsync(communityId, bulk, ct);
        var result = await command(work);
        if (commit(result))
        {
            await work.CommitAsync(ct);
        }
        else
        {
            await work.RollbackAsync();
        }
        return result;
    }

    public ValueTask DisposeAsync() => Contexts.DisposeAsync();

    internal static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    internal static void Param(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        Bind(parameter, value);
        command.Parameters.Add(parameter);
    }

    /// <summary>Sets a parameter's value; times go as datetime2, since SqlClient would otherwise send the legacy datetime type, which rounds milliseconds.</summary>
    internal static void Bind(DbParameter parameter, object? value)
    {
        parameter.Value = value ?? DBNull.Value;
        if (value is DateTime)
        {
            parameter.DbType = System.Data.DbType.DateTime2;
        }
    }
}
