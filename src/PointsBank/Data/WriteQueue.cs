using System.Data.Common;
using System.Diagnostics;
using PointsBank.Ledger;

namespace PointsBank.Data;

/// <summary>
/// The write queue of one process on SQLite, with group commit. SQLite has one writer per file: instead of sleeping in
/// SQLite's busy handler while the lock sits free, a unit of work waits here, in order, for the turn. The unit holding
/// the turn runs inside the open database transaction of the current <em>group</em>: the unit that opens the group runs
/// in the transaction itself, every unit that joins it in a savepoint of its own. When it
/// ends, the turn goes straight to the next waiting unit, which joins the same transaction; when nobody waits (a lone
/// request waits for no one), or the group is full or old enough, the unit holding the turn commits the group once
/// (one fsync under <c>synchronous=FULL</c>) and only then is every unit of the group answered.
/// </summary>
/// <remarks>
/// The database lock stays the authority: a group opens with <c>BEGIN IMMEDIATE</c>, so two processes on one file,
/// each with its own queue, still take turns at the file. A unit that fails rolls back to its savepoint and is answered
/// at once; the others stand. The unit that opened the group has no savepoint (a savepoint keeps a copy of every page
/// the unit changes, in memory): it is alone in the group while it runs, so when it fails the transaction is rolled
/// back and the next unit opens a new group. A bulk unit (thousands of pages) never joins a group: the open group
/// commits first (<see cref="CommitOpenGroupAsync"/>) and the bulk unit opens the next one. When the group's transaction itself fails (its commit, or a rollback to a savepoint),
/// every unit waiting for that commit gets the error: none of them was acknowledged, and a client retrying with the
/// same Idempotency-Key finds nothing or the whole of its unit. SQL Server does not use this class: each unit keeps a
/// transaction of its own there (its log writer already groups concurrent commits).
/// </remarks>
public sealed class WriteQueue
{
    private readonly PostingContextPool _pool;

    internal WriteQueue(PostingContextPool pool) => _pool = pool;

    /// <summary>The savepoint of a unit that joined an open group (units do not nest: a request sent from inside another joins its unit).</summary>
    internal const string Savepoint = "pb_unit";

    private readonly object _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private bool _taken;
    private long _groups;
    private long _units;

    /// <summary>At most this many units share one commit.</summary>
    public int MaxUnits { get; set; } = 64;

    /// <summary>A group stops taking units this long after its transaction began (it then commits when its current unit ends).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Groups committed (each one database commit), for tests and the benchmark.</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Units committed inside those groups.</summary>
    public long Units => Interlocked.Read(ref _units);

    /// <summary>Units waiting for the turn right now (a test waits for its units to queue up behind a <see cref="HoldAsync"/>).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>The open group; only the holder of the turn reads or changes it.</summary>
    internal WriteGroup? Group { get; set; }

    /// <summary>Waits for the turn, in order of arrival.</summary>
    internal async Task EnterAsync(CancellationToken ct)
    {
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (!_taken)
            {
                _taken = true;
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(waiter);
        }
        await using var registration = ct.Register(() =>
        {
            lock (_gate)
            {
                // Handed the turn already? Then the turn is this unit's to pass on (it sees the cancellation itself).
                if (node.List is not null && waiter.TrySetCanceled(ct))
                {
                    _waiting.Remove(node);
                }
            }
        });
        await waiter.Task;
    }

    /// <summary>Passes the turn to the next waiting unit; false (keeping the turn) when nobody waits.</summary>
    internal bool TryHandOff()
    {
        lock (_gate)
        {
            while (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                if (first.Value.TrySetResult())
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Gives up the turn: to the next waiting unit, or frees it.</summary>
    internal void Leave()
    {
        lock (_gate)
        {
            while (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                if (first.Value.TrySetResult())
                {
                    return;
                }
            }
            _taken = false;
        }
    }

    /// <summary>
    /// Called by the holder of the turn when its unit ended (released or rolled back to its savepoint): hands the open
    /// group to the next waiting unit while the group has room and time, otherwise commits it and answers its units.
    /// </summary>
    internal async Task EndUnitAsync()
    {
        var group = Group!;
        if (group.Units < MaxUnits && Stopwatch.GetElapsedTime(group.Started) < MaxAge && TryHandOff())
        {
            return;
        }
        await CommitGroupAsync(group);
        Leave();
    }

    /// <summary>
    /// Called by the holder of the turn before a bulk unit (<see cref="UnitOfWork.BeginAsync(long?, bool, CancellationToken)"/>)
    /// opens a group of its own: the open group commits and its units are answered, and the turn stays with the caller.
    /// </summary>
    internal async Task CommitOpenGroupAsync()
    {
        if (Group is { } group)
        {
            await CommitGroupAsync(group);
        }
    }

    // Commits the group once and answers its units (or fails them all when the commit fails); the caller keeps the turn.
    private async Task CommitGroupAsync(WriteGroup group)
    {
        Group = null;
        try
        {
            await group.Transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            await DropAsync(group);
            group.Fail(e);
            return;
        }
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _units, group.Released);
        try
        {
            await group.Transaction.DisposeAsync();
            await _pool.ReturnAsync(group.Context);
        }
        catch
        {
            // Committed all the same; the connection is not kept.
            await group.Context.DisposeAsync();
        }
        finally
        {
            group.Committed.TrySetResult();
        }
    }

    /// <summary>
    /// The unit that opened the open group failed while still alone in it (no savepoint: it ran in the transaction
    /// itself): the transaction is rolled back and the turn passed on; the next waiting unit opens a new group.
    /// </summary>
    internal async Task DiscardGroupAsync()
    {
        var group = Group!;
        Group = null;
        try
        {
            await group.Transaction.RollbackAsync(CancellationToken.None);
            await group.Transaction.DisposeAsync();
            await _pool.ReturnAsync(group.Context);
        }
        catch
        {
            // SQLite may have ended the transaction itself (an I/O error, a full disk): the connection is not kept.
            await DropAsync(group);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>The group's transaction can no longer be trusted (a rollback to a savepoint failed): undo all of it.</summary>
    internal async Task BreakGroupAsync(Exception e)
    {
        var group = Group!;
        Group = null;
        await DropAsync(group);
        Leave();
        group.Fail(e);
    }

    /// <summary>
    /// Takes the turn and keeps it until disposed, as a unit would that runs long: the units sent meanwhile queue up and
    /// then run as one group. For tests that need a group deterministically.
    /// </summary>
    public async Task<IAsyncDisposable> HoldAsync(CancellationToken ct = default)
    {
        await EnterAsync(ct);
        return new Hold(this);
    }

    private sealed class Hold(WriteQueue queue) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                // Handed the turn in the middle of a group, the hold ends it like a unit would: on to the next, or commit.
                if (queue.Group is null)
                {
                    queue.Leave();
                }
                else
                {
                    await queue.EndUnitAsync();
                }
            }
        }
    }

    private static async Task DropAsync(WriteGroup group)
    {
        try
        {
            await group.Transaction.DisposeAsync();
        }
        catch
        {
            // The connection is dropped below in any case.
        }
        await group.Context.DisposeAsync();
    }
}

/// <summary>One database transaction shared by the units of a group, each in its savepoint.</summary>
internal sealed class WriteGroup(PostingContext context, DbTransaction transaction)
{
    public PostingContext Context { get; } = context;

    public DbTransaction Transaction { get; } = transaction;

    public long Started { get; } = Stopwatch.GetTimestamp();

    /// <summary>Units that ran in this group (whatever their end).</summary>
    public int Units { get; set; }

    /// <summary>Units released into the group, waiting for its commit.</summary>
    public int Released { get; set; }

    /// <summary>Completes when the group committed; faults when it did not (none of its units is then acknowledged).</summary>
    public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Fail(Exception e) => Committed.TrySetException(new GroupCommitException(e));
}

/// <summary>The group this unit was released into did not commit: the unit's writes are gone with it.</summary>
public sealed class GroupCommitException(Exception inner)
    : Exception("the write group this unit belonged to did not commit; nothing of the unit was written", inner);
