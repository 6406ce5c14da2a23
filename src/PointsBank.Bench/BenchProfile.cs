using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace PointsBank.Bench;

/// <summary>
/// Where the time goes, per SQL statement, without touching the ledger. The ledger takes a <see cref="DbDataSource"/>,
/// so <c>--profile</c> hands it <see cref="ProfilingDataSource"/>: the real SQLite connections (same pragmas),
/// wrapped so that every open, BEGIN, statement preparation, execution, COMMIT and command disposal is timed with
/// the Stopwatch. What is left of the wall time is the ledger's own .NET work (hashing, checks, allocation, async).
/// </summary>
internal sealed partial class StatementProfile
{
    private readonly Dictionary<string, (long Calls, long Ticks)> _steps = [];
    private long _started;
    private bool _active;

    public TimeSpan Wall { get; private set; }
    public int Items { get; private set; }

    public void Start()
    {
        _steps.Clear();
        _active = true;
        _started = Stopwatch.GetTimestamp();
    }

    public void Stop(int items)
    {
        Wall = Stopwatch.GetElapsedTime(_started);
        _active = false;
        Items = items;
    }

    public T Time<T>(string step, Func<T> work)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return work();
        }
        finally
        {
            Record(step, Stopwatch.GetTimestamp() - started);
        }
    }

    public void Time(string step, Action work)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            work();
        }
        finally
        {
            Record(step, Stopwatch.GetTimestamp() - started);
        }
    }

    private void Record(string step, long ticks)
    {
        if (!_active)
        {
            return;
        }
        ref var total = ref CollectionsMarshal.GetValueRefOrAddDefault(_steps, step, out _);
        total = (total.Calls + 1, total.Ticks + ticks);
    }

    public void Print(TextWriter output, string title)
    {
        var wall = Wall.TotalSeconds;
        var measured = _steps.Values.Sum(s => s.Ticks) / (double)Stopwatch.Frequency;
        output.WriteLine();
        output.WriteLine($"profile: {title} — {Items:N0} items in {wall:0.000} s ({Items / wall:N0} items/s), {wall * 1e6 / Items:0.0} µs per item");
        output.WriteLine($"  {"µs/item",8} {"share",5} {"calls/item",10} {"µs/call",8}  step");
        foreach (var (step, (calls, ticks)) in _steps.OrderByDescending(s => s.Value.Ticks))
        {
            var seconds = ticks / (double)Stopwatch.Frequency;
            output.WriteLine($"  {seconds * 1e6 / Items,8:0.0} {seconds / wall,5:P0} {(double)calls / Items,10:0.000} {seconds * 1e6 / calls,8:0.0}  {Shorten(step)}");
        }
        var outside = wall - measured;
        output.WriteLine($"  {outside * 1e6 / Items,8:0.0} {outside / wall,5:P0} {"",10} {"",8}  (the rest: .NET work between database calls — hashing, checks, allocation, async)");
    }

    public static string Label(string verb, string sql)
    {
        var text = Whitespace().Replace(sql.Trim(), " ");
        return $"{verb} {text}";
    }

    private static string Shorten(string step) => step.Length <= 100 ? step : step[..97] + "...";

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>The real data source's connections, wrapped for <see cref="StatementProfile"/>.</summary>
internal sealed class ProfilingDataSource(DbDataSource inner, StatementProfile profile) : DbDataSource
{
    public override string ConnectionString => inner.ConnectionString;

    protected override DbConnection CreateDbConnection() => new ProfiledConnection((SqliteConnection)inner.CreateConnection(), profile);

    protected override void Dispose(bool disposing)
    {
        // The inner data source belongs to the caller.
    }
}

internal sealed class ProfiledConnection(SqliteConnection inner, StatementProfile profile) : DbConnection
{
    public SqliteConnection Inner => inner;
    public StatementProfile Profile => profile;

    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => inner.ConnectionString = value;
    }

    public override string Database => inner.Database;
    public override string DataSource => inner.DataSource;
    public override string ServerVersion => inner.ServerVersion;
    public override ConnectionState State => inner.State;

    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);
    public override void Close() => profile.Time("close (back to the pool)", inner.Close);
    public override void Open() => profile.Time("open (pooled) + connection pragmas", inner.Open);

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) =>
        new ProfiledTransaction(profile.Time("BEGIN IMMEDIATE", () => inner.BeginTransaction(isolationLevel)), this);

    protected override DbCommand CreateDbCommand() => new ProfiledCommand(inner.CreateCommand(), this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            profile.Time("close (back to the pool)", inner.Dispose);
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

internal sealed class ProfiledTransaction(SqliteTransaction inner, ProfiledConnection connection) : DbTransaction
{
    public SqliteTransaction Inner => inner;

    protected override DbConnection DbConnection => connection;
    public override IsolationLevel IsolationLevel => inner.IsolationLevel;

    public override void Commit() => connection.Profile.Time("COMMIT (WAL write + fsync)", inner.Commit);
    public override void Rollback() => connection.Profile.Time("ROLLBACK", inner.Rollback);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Times each execution under the statement's text, and the first one's preparation (sqlite3_prepare) separately:
/// Microsoft.Data.Sqlite prepares lazily on the first execution of a command and keeps the statement until the
/// command is disposed.
/// </summary>
internal sealed class ProfiledCommand(SqliteCommand inner, ProfiledConnection connection) : DbCommand
{
    private ProfiledTransaction? _transaction;
    private bool _prepared;
    private string? _label;

    private StatementProfile Profile => connection.Profile;

    [AllowNull]
    public override string CommandText
    {
        get => inner.CommandText;
        set
        {
            inner.CommandText = value;
            _prepared = false;
            _label = null;
        }
    }

    public override int CommandTimeout
    {
        get => inner.CommandTimeout;
        set => inner.CommandTimeout = value;
    }

    public override CommandType CommandType
    {
        get => inner.CommandType;
        set => inner.CommandType = value;
    }

    public override bool DesignTimeVisible
    {
        get => inner.DesignTimeVisible;
        set => inner.DesignTimeVisible = value;
    }

    public override UpdateRowSource UpdatedRowSource
    {
        get => inner.UpdatedRowSource;
        set => inner.UpdatedRowSource = value;
    }

    protected override DbConnection? DbConnection
    {
        get => connection;
        set
        {
            if (!ReferenceEquals(value, connection))
            {
                throw new NotSupportedException("a profiled command stays on its connection");
            }
        }
    }

    protected override DbParameterCollection DbParameterCollection => inner.Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => _transaction;
        set
        {
            _transaction = (ProfiledTransaction?)value;
            inner.Transaction = _transaction?.Inner;
        }
    }

    public override void Cancel() => inner.Cancel();
    public override void Prepare() => PrepareOnce();
    protected override DbParameter CreateDbParameter() => inner.CreateParameter();

    public override int ExecuteNonQuery()
    {
        PrepareOnce();
        return Profile.Time(Label, inner.ExecuteNonQuery);
    }

    public override object? ExecuteScalar()
    {
        PrepareOnce();
        return Profile.Time(Label, inner.ExecuteScalar);
    }

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
    {
        PrepareOnce();
        return Profile.Time(Label, () => inner.ExecuteReader(behavior));
    }

    private string Label => _label ??= StatementProfile.Label("exec", inner.CommandText);

    private void PrepareOnce()
    {
        if (!_prepared)
        {
            Profile.Time(StatementProfile.Label("prepare", inner.CommandText), inner.Prepare);
            _prepared = true;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Profile.Time("dispose commands (sqlite3_finalize)", inner.Dispose);
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
