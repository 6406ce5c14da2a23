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
public sealed class PointsLedger(DbDataSource db, SqlDialect dialect, TimeProvider clock) : IAsyncDisposable
{
    private readonly PostingContextPool _contexts = new(db);

    public const int MaxKeyLength = 200;
    public const int MaxExplanationLength = 1500;
    public const int MaxCategoryLength = 64;
    public const int MaxBatchSize = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long, SystemAccount), long> _systemAccounts = new();

    /// <summary>Posts one transaction. Expected failures come back as values; nothing is written when it fails.</summary>
    public async Task<LedgerResult> PostAsync(LedgerEntry entry, CancellationToken ct = default)
    {
        if (Invalid(entry) is { } problem)
        {
            return LedgerResult.Fail(problem.Error, problem.Detail);
        }
        return await WriteAsync(entry.CommunityId, (session, token) => session.PostAsync(entry, token),
            static r => r.Succeeded && !r.Replayed, static (e, d) => LedgerResult.Fail(e, d), ct);
    }

    /// <summary>
    /// Posts many transactions of one community in one database transaction: all or nothing. Entries whose key was
    /// already posted with the same payload are returned as they were (replayed), not posted again.
    /// </summary>
    public async Task<BatchResult> PostBatchAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken ct = default)
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
        return await WriteAsync(communityId, async (session, token) =>
        {
            var posted = new List<LedgerTransaction>(entries.Count);
            var anyNew = false;
            for (var i = 0; i < entries.Count; i++)
            {
                var result = await session.PostAsync(entries[i], token);
                if (!result.Succeeded)
                {
                    return new BatchResult([], result.Error, result.Detail, i);
                }
                anyNew |= !result.Replayed;
                posted.Add(result.Transaction!);
            }
            return new BatchResult(posted, null, null) { Commit = anyNew };
        }, static r => r.Succeeded && r.Commit, static (e, d) => new BatchResult([], e, d), ct);
    }

    /// <summary>
    /// Reverses a transaction with a new one that negates its postings and references it. A transaction can be
    /// reversed once; a reversal cannot itself be reversed. A reversal may leave an account below zero: it undoes
    /// points that should never have been there.
    /// </summary>
    public async Task<LedgerResult> ReverseAsync(long communityId, long seq, string reason, string actor, string idempotencyKey,
        CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 500 || HasLoneSurrogate(reason) || HasLoneSurrogate(idempotencyKey))
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, "a reversal needs a reason of 1 to 500 characters");
        }
        if (KeyProblem(idempotencyKey) is { } keyProblem)
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, keyProblem);
        }
        if (string.IsNullOrWhiteSpace(actor))
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, "the actor is required");
        }
        return await WriteAsync(communityId, (session, token) => session.ReverseAsync(seq, reason.Trim(), actor, idempotencyKey, token),
            static r => r.Succeeded && !r.Replayed, static (e, d) => LedgerResult.Fail(e, d), ct);
    }

    /// <summary>Reserves points for a redemption voucher. Fails when the available balance is short.</summary>
    public async Task<HoldResult> PlaceHoldAsync(long communityId, long accountId, long amount, string reference, string actor,
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
        return await WriteAsync(communityId,
            (session, token) => session.PlaceHoldAsync(accountId, amount, reference, actor, idempotencyKey, expiresAt, token),
            static r => r.Succeeded && !r.Replayed, static (e, d) => HoldResult.Fail(e, d), ct);
    }

    /// <summary>Turns an open hold into a redemption posting (account → redeemed) and closes the hold.</summary>
    public async Task<LedgerResult> CaptureHoldAsync(long communityId, long holdId, string idempotencyKey, string explanation,
        string actor, CancellationToken ct = default)
    {
        if (KeyProblem(idempotencyKey) is { } keyProblem)
        {
            return LedgerResult.Fail(LedgerError.InvalidEntry, keyProblem);
        }
        return await WriteAsync(communityId, (session, token) => session.CaptureHoldAsync(holdId, idempotencyKey, explanation, actor, token),
            static r => r.Succeeded && !r.Replayed, static (e, d) => LedgerResult.Fail(e, d), ct);
    }

    /// <summary>Releases an open hold. Releasing a released hold is a no-op; a captured hold cannot be released.</summary>
    public async Task<HoldResult> ReleaseHoldAsync(long communityId, long holdId, CancellationToken ct = default) =>
        await WriteAsync(communityId, (session, token) => session.ReleaseHoldAsync(holdId, token),
            static r => r.Succeeded && !r.Replayed, static (e, d) => HoldResult.Fail(e, d), ct);

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
        var context = await _contexts.RentAsync(ct);
        try
        {
            var transaction = await new PostingSession(context, null, dialect, communityId, Clock.Now(clock)).LoadAsync(seq, ct);
            await _contexts.ReturnAsync(context);
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

    /// <summary>Creates the community's chain head (genesis) and its system accounts. Called once, when the community is created.</summary>
    public async Task InitializeCommunityAsync(DbConnection connection, DbTransaction tx, long communityId, CancellationToken ct)
    {
        await using (var head = Command(connection, tx, LedgerSql.InsertChainHead))
        {
            Param(head, "@communityId", communityId);
            Param(head, "@genesis", CanonicalForm.GenesisHash);
            Param(head, "@now", Clock.Now(clock));
            await head.ExecuteNonQueryAsync(ct);
        }
        foreach (var system in Enum.GetValues<SystemAccount>())
        {
            await OpenAccountAsync(connection, tx, communityId, AccountKind.System, null, system, SystemAccountName(system), ct);
        }
    }

    /// <summary>Opens an account with a zero balance. The caller checks that the owner exists in the community.</summary>
    public async Task<long> OpenAccountAsync(DbConnection connection, DbTransaction tx, long communityId, AccountKind kind,
        long? ownerId, SystemAccount? system, string name, CancellationToken ct)
    {
        long accountId;
        await using (var insert = Command(connection, tx, dialect.Pick(LedgerSql.InsertAccount)))
        {
            Param(insert, "@communityId", communityId);
            Param(insert, "@kind", kind.ToDb());
            Param(insert, "@householdId", kind == AccountKind.Household ? ownerId : null);
            Param(insert, "@residentId", kind == AccountKind.Person ? ownerId : null);
            Param(insert, "@shopId", kind == AccountKind.Shop ? ownerId : null);
            Param(insert, "@systemCode", system?.ToDb());
            Param(insert, "@name", name);
            Param(insert, "@now", Clock.Now(clock));
            accountId = Convert.ToInt64(await insert.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
        await using (var balance = Command(connection, tx, LedgerSql.InsertBalance))
        {
            Param(balance, "@accountId", accountId);
            Param(balance, "@communityId", communityId);
            await balance.ExecuteNonQueryAsync(ct);
        }
        return accountId;
    }

    public static string SystemAccountName(SystemAccount system) => system switch
    {
        SystemAccount.Issuance => "积分发放 issuance",
        SystemAccount.Redeemed => "积分兑换 redeemed",
        SystemAccount.Penalty => "扣分 penalty",
        SystemAccount.Expired => "积分过期 expired",
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
        if (string.IsNullOrWhiteSpace(entry.Category) || entry.Category.Length > MaxCategoryLength)
        {
            return (LedgerError.InvalidEntry, $"the category is required (at most {MaxCategoryLength} characters)");
        }
        if (string.IsNullOrWhiteSpace(entry.Explanation) || entry.Explanation.Length > MaxExplanationLength)
        {
            return (LedgerError.InvalidEntry, $"the explanation is required (at most {MaxExplanationLength} characters)");
        }
        if (string.IsNullOrWhiteSpace(entry.Actor) || entry.Actor.Length > 200)
        {
            return (LedgerError.InvalidEntry, "the actor is required (at most 200 characters)");
        }
        if (new[] { entry.Category, entry.Explanation, entry.Actor, entry.Facts, entry.IdempotencyKey, entry.RuleCode }.Any(HasLoneSurrogate))
        {
            return (LedgerError.InvalidEntry, "text fields must be valid Unicode");
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

    private static bool HasLoneSurrogate(string? value) =>
        value is not null && System.Text.Unicode.Utf8.FromUtf16(value, new byte[Encoding.UTF8.GetMaxByteCount(value.Length)], out _, out _,
            replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done;

    /// <summary>An idempotency key is 1 to <see cref="MaxKeyLength"/> characters, not all white space.</summary>
    public static bool IsValidKey(string? key) => !string.IsNullOrWhiteSpace(key) && key.Length <= MaxKeyLength;

    private static string? KeyProblem(string? key) =>
        IsValidKey(key) ? null : $"an idempotency key of 1 to {MaxKeyLength} characters is required";

    private async Task<T> WriteAsync<T>(long communityId, Func<PostingSession, CancellationToken, Task<T>> work,
        Func<T, bool> commit, Func<LedgerError, string, T> fail, CancellationToken ct)
    {
        var context = await _contexts.RentAsync(ct);
        try
        {
            T result;
            await using (var tx = await dialect.BeginWriteAsync(context.Connection, ct))
            {
                var session = new PostingSession(context, tx, dialect, communityId, Clock.Now(clock));
                if (!await session.LockAsync(ct))
                {
                    result = fail(LedgerError.UnknownCommunity, $"community {communityId} does not exist");
                    await tx.RollbackAsync(ct);
                }
                else
                {
                    result = await work(session, ct);
                    if (commit(result))
                    {
                        await session.FlushAsync(ct);
                        await tx.CommitAsync(ct);
                    }
                    else
                    {
                        await tx.RollbackAsync(ct);
                    }
                }
            }
            await _contexts.ReturnAsync(context);
            return result;
        }
        catch
        {
            // A context that saw an error (a lost connection, a constraint) is not trusted again.
            await context.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _contexts.DisposeAsync();

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
