using System.Data.Common;

namespace PointsBank.Ledger;

/// <summary>
/// An open connection with the ledger's statements prepared on it, reused from one ledger command to the next:
/// preparing a dozen statements for every single award cost more than the award's own writes. This pools
/// resources only — it locks nothing; every command still takes the community's chain-head lock in the database.
/// </summary>
internal sealed class PostingContext(DbConnection connection) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = [];

    public DbConnection Connection { get; } = connection;

    /// <summary>The statement for <paramref name="sql"/>, created and given its parameters on first use.</summary>
    public DbCommand Command(string sql, DbTransaction? tx, ReadOnlySpan<(string Name, object? Value)> args)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = PointsLedger.Command(Connection, tx, sql);
            foreach (var (name, value) in args)
            {
                PointsLedger.Param(command, name, value);
            }
            _commands[sql] = command;
            return command;
        }
        command.Transaction = tx;
        for (var i = 0; i < args.Length; i++)
        {
            PointsLedger.Bind(command.Parameters[i], args[i].Value);
        }
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }
        await Connection.DisposeAsync();
    }
}

/// <summary>
/// A bounded pool of <see cref="PostingContext"/>s. A context that saw an error is dropped, not returned.
/// Last in, first out, across threads: the context returned last is rented next. On SQLite a connection drops its
/// whole page cache when it begins a transaction after another connection wrote, and reads every page again; the
/// context that wrote last keeps its cache valid, so handing it out again (rather than whichever one a thread-local
/// bag prefers) saves those reads — at one client, every request runs on the same warm connection.
/// </summary>
internal sealed class PostingContextPool(DbDataSource db) : IAsyncDisposable
{
    private const int MaxIdle = 8;
    private readonly Stack<PostingContext> _idle = new(MaxIdle);

    public async Task<PostingContext> RentAsync(CancellationToken ct) =>
        TryTake(out var context) ? context : new PostingContext(await db.OpenConnectionAsync(ct));

    public async ValueTask ReturnAsync(PostingContext context)
    {
        if (context.Connection.State == System.Data.ConnectionState.Open)
        {
            lock (_idle)
            {
                if (_idle.Count < MaxIdle)
                {
                    _idle.Push(context);
                    return;
                }
            }
        }
        await context.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        while (TryTake(out var context))
        {
            await context.DisposeAsync();
        }
    }

    private bool TryTake(out PostingContext context)
    {
        lock (_idle)
        {
            return _idle.TryPop(out context!);
        }
    }
}
