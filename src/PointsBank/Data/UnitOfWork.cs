using System.Data.Common;
using Dapper;
using PointsBank.Ledger;

namespace PointsBank.Data;

/// <summary>The community a unit of work locked, as the lock read it (its chain head and the policy the ledger needs).</summary>
public sealed record LockedCommunity(long Id, long LastSeq, string LastHash, string TimeZone, string PenaltyPolicy, int BackdateDays,
    bool IsActive, string YearEnd = "carry_forward", long YearEndBase = 0);

/// <summary>
/// One database transaction for one write request. The pipeline opens it (one per request, scoped), the handler
/// writes its rows on <see cref="Connection"/> and <see cref="Transaction"/>, the ledger's commands join it, the
/// audit row of a successful write goes in it, and it commits or rolls back as a whole.
/// </summary>
/// <remarks>
/// One lock order for everything: <see cref="BeginAsync"/> takes the database write lock (SQLite
/// <c>BEGIN IMMEDIATE</c>) or the community's chain-head row (SQL Server <c>UPDLOCK, HOLDLOCK</c>) first, then reads
/// the clock, so features never deadlock each other and times never run backwards against sequence numbers. The
/// connection is a pooled posting context of the ledger, whose statements stay prepared from one unit to the next.
/// </remarks>
public sealed class UnitOfWork(PointsLedger ledger) : IAsyncDisposable, IDisposable
{
    private PostingContext? _context;
    private DbTransaction? _transaction;
    private WriteGroup? _group;
    private bool _inSavepoint;
    private List<(string Sql, object? Args)>? _keptOnFailure;

    /// <summary>True between <see cref="BeginAsync"/> and its commit or rollback.</summary>
    public bool IsOpen => _transaction is not null;

    public DbConnection Connection => _context?.Connection ?? throw NotOpen();

    public DbTransaction Transaction => _transaction ?? throw NotOpen();

    /// <summary>The time of this unit, read once after the lock (UTC, whole milliseconds).</summary>
    public DateTime Now { get; private set; }

    /// <summary>The community whose lock this unit holds; null when it locked none or the community does not exist.</summary>
    public LockedCommunity? Community { get; private set; }

    /// <summary>The community this unit was asked to lock (whether or not it exists).</summary>
    public long? CommunityId { get; private set; }

    public SqlDialect Dialect => ledger.Dialect;

    internal PostingContext Context => _context ?? throw NotOpen();

    /// <summary>The ledger's session inside this unit (balances and aggregates it will write before the commit).</summary>
    internal PostingSession? LedgerSession { get; set; }

    /// <summary>
    /// Opens the transaction and, for a community, locks it. A community that does not exist leaves
    /// <see cref="Community"/> null; what that means is the handler's to say (usually a 404).
    /// </summary>
    public Task BeginAsync(long? communityId, CancellationToken ct) => BeginAsync(communityId, bulk: false, ct);

    /// <summary>
    /// Opens the transaction as <see cref="BeginAsync(long?, CancellationToken)"/> does. A <paramref name="bulk"/> unit (a
    /// ledger batch, a roster import, a job over every account) never joins an open write group: the group commits first
    /// and the bulk unit opens one of its own, so it runs in the transaction itself rather than in a savepoint, whose
    /// sub-journal — kept in memory (<see cref="SqliteDataSource"/>) — would hold a copy of every page it changes.
    /// </summary>
    public async Task BeginAsync(long? communityId, bool bulk, CancellationToken ct)
    {
        if (IsOpen)
        {
            throw new InvalidOperationException("this unit of work is already open");
        }
        if (ledger.Queue is { } queue)
        {
            await JoinGroupAsync(queue, bulk, ct);
        }
        else
        {
            _context = await ledger.Contexts.RentAsync(ct);
        }
        try
        {
            _transaction ??= await ledger.Dialect.BeginWriteAsync(_context!.Connection, ct);
            CommunityId = communityId;
            Community = communityId is { } id ? await LockAsync(id, ct) : null;
            Now = Clock.Now(ledger.Time);
        }
        catch
        {
            await AbandonAsync();
            throw;
        }
    }

    /// <summary>
    /// Writes what the ledger accumulated (balances, aggregates, chain head) and commits. On SQLite the unit's savepoint
    /// is released into its group and this returns when the group committed (the unit is durable then, and only then).
    /// </summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        try
        {
            if (LedgerSession is { } session)
            {
                await session.FlushAsync(ct);
            }
            if (_group is { } group)
            {
                if (_inSavepoint)
                {
                    await ExecuteSavepointAsync($"RELEASE {WriteQueue.Savepoint}");
                }
                group.Released++;
                Reset();
                await ledger.Queue!.EndUnitAsync();
                await group.Committed.Task;
                return;
            }
            await Transaction.CommitAsync(ct);
        }
        catch
        {
            await AbandonAsync();
            throw;
        }
        await EndAsync();
    }

    /// <summary>Undoes everything written in this unit; the connection goes back to the pool.</summary>
    public async Task RollbackAsync()
    {
        if (_group is not null)
        {
            await LeaveGroupAsync(rethrow: true);
            return;
        }
        try
        {
            await Transaction.RollbackAsync(CancellationToken.None);
        }
        catch
        {
            await AbandonAsync();
            throw;
        }
        await EndAsync();
    }

    /// <summary>Rolls back a unit still open (an exception left it so); its connection is not trusted again.</summary>
    public async ValueTask DisposeAsync()
    {
        if (IsOpen)
        {
            await AbandonAsync();
        }
    }

    // A scope disposed synchronously (a CLI verb's) ends here; a unit left open by then is abandoned all the same.
    public void Dispose()
    {
        if (IsOpen)
        {
            AbandonAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// A write that must stand even when the request fails and this unit rolls back: a wrong card PIN counts towards the
    /// card's lock whatever the request answers. The pipeline runs these, in order, in a unit of their own on the same
    /// community right after the rollback (on success they are simply part of the unit, so write them in the unit too).
    /// Keep them to conditional statements that are safe to run alone.
    /// </summary>
    public void KeepOnFailure(string sql, object? args) => (_keptOnFailure ??= []).Add((sql, args));

    /// <summary>The writes <see cref="KeepOnFailure"/> recorded since the last call, and forgets them.</summary>
    public IReadOnlyList<(string Sql, object? Args)> TakeKeptOnFailure()
    {
        var kept = _keptOnFailure ?? [];
        _keptOnFailure = null;
        return kept;
    }

    /// <summary>
    /// A statement of the pipeline's own (request keys, the audit row) on this unit's transaction, prepared once per pooled
    /// connection and re-bound on later units: arguments always in the same order for a given statement.
    /// </summary>
    internal DbCommand Prepared(string sql, params ReadOnlySpan<(string Name, object? Value)> args) => Context.Command(sql, Transaction, args);

    /// <summary>A Dapper command on this unit's transaction.</summary>
    public CommandDefinition Sql(string sql, object? args, CancellationToken ct) => new(sql, args, Transaction, cancellationToken: ct);

    public Task<int> ExecuteAsync(string sql, object? args, CancellationToken ct) => Connection.ExecuteAsync(Sql(sql, args, ct));

    public Task<T?> ScalarAsync<T>(string sql, object? args, CancellationToken ct) => Connection.ExecuteScalarAsync<T>(Sql(sql, args, ct));

    public Task<T?> SingleOrDefaultAsync<T>(string sql, object? args, CancellationToken ct) =>
        Connection.QuerySingleOrDefaultAsync<T>(Sql(sql, args, ct));

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args, CancellationToken ct) =>
        (await Connection.QueryAsync<T>(Sql(sql, args, ct))).AsList();

    private async Task<LockedCommunity?> LockAsync(long communityId, CancellationToken ct)
    {
        await using var reader = await Context.Command(Dialect.Pick(SqlDialect.LockChainHead), Transaction, [("@communityId", communityId)])
            .ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return new LockedCommunity(communityId, reader.GetInt64(0), reader.GetString(1).Trim(), reader.GetString(2), reader.GetString(3),
            Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToBoolean(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture),
            reader.GetString(6), Convert.ToInt64(reader.GetValue(7), System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task EndAsync()
    {
        var context = _context!;
        Reset();
        await ledger.Contexts.ReturnAsync(context);
    }

    // SQLite: wait for the turn, then open a group (BEGIN IMMEDIATE) or join the open one. The unit that opens a group
    // runs in its transaction directly: nothing else is in the group yet, so undoing it is undoing the transaction. A
    // unit that joins an open group runs in a savepoint of its own, so that undoing it leaves the units before it. (A
    // savepoint keeps a copy of every page the unit changes in a sub-journal, in memory under temp_store=MEMORY: an
    // award's ~17 pages. A bulk unit first has the open group committed and then opens its own, so its thousands of
    // pages are never copied; without the outer savepoint each statement's journal is dropped when the statement ends.)
    private async Task JoinGroupAsync(WriteQueue queue, bool bulk, CancellationToken ct)
    {
        await queue.EnterAsync(ct);
        if (bulk)
        {
            await queue.CommitOpenGroupAsync();
        }
        var group = queue.Group;
        var opens = group is null;
        if (group is null)
        {
            PostingContext? context = null;
            try
            {
                context = await ledger.Contexts.RentAsync(ct);
                group = new WriteGroup(context, await ledger.Dialect.BeginWriteAsync(context.Connection, ct));
            }
            catch
            {
                if (context is not null)
                {
                    await context.DisposeAsync();
                }
                queue.Leave();
                throw;
            }
            queue.Group = group;
        }
        group.Units++;
        _group = group;
        _context = group.Context;
        _transaction = group.Transaction;
        if (opens)
        {
            return;
        }
        try
        {
            await ExecuteSavepointAsync($"SAVEPOINT {WriteQueue.Savepoint}");
            _inSavepoint = true;
        }
        catch (Exception e)
        {
            Reset();
            await queue.BreakGroupAsync(e);
            throw;
        }
    }

    // Undoes this unit and passes the turn on: back to its savepoint (the group commits when nobody waits), or, for the
    // unit that opened the group and is still alone in it, the whole transaction (the next waiting unit opens a new
    // group). When even that fails, the group's transaction is not to be trusted: it is dropped and its waiting units get
    // the error.
    private async Task LeaveGroupAsync(bool rethrow)
    {
        var queue = ledger.Queue!;
        if (!_inSavepoint)
        {
            Reset();
            await queue.DiscardGroupAsync();
            return;
        }
        try
        {
            await ExecuteSavepointAsync($"ROLLBACK TO {WriteQueue.Savepoint}");
            await ExecuteSavepointAsync($"RELEASE {WriteQueue.Savepoint}");
        }
        catch (Exception e)
        {
            Reset();
            await queue.BreakGroupAsync(e);
            if (rethrow)
            {
                throw;
            }
            return;
        }
        Reset();
        await queue.EndUnitAsync();
    }

    private async Task ExecuteSavepointAsync(string sql)
    {
        await using var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task AbandonAsync()
    {
        if (_group is not null)
        {
            await LeaveGroupAsync(rethrow: false);
            return;
        }
        var context = _context;
        var transaction = _transaction;
        Reset();
        try
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }
        finally
        {
            if (context is not null)
            {
                await context.DisposeAsync();
            }
        }
    }

    private void Reset()
    {
        _context = null;
        _transaction = null;
        _group = null;
        _inSavepoint = false;
        LedgerSession = null;
        Community = null;
        CommunityId = null;
    }

    private static InvalidOperationException NotOpen() => new("no unit of work is open: writes run inside the pipeline's unit of work");
}
