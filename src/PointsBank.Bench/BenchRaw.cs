using System.Data.Common;
using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Ledger;

namespace PointsBank.Bench;

/// <summary>
/// The baseline: the ledger's rows (one <c>ledger_transactions</c> row, two <c>ledger_postings</c> rows per item)
/// written with plain ADO.NET into the real tables, as fast as a careful hand-written loop can: one connection from
/// the same data source (so the same pragmas: WAL, synchronous=FULL, foreign keys), two commands prepared once and
/// re-bound for every row, synchronous calls, the new row id read with <c>sqlite3_last_insert_rowid</c>, and every
/// value that the ledger computes (hashes, sequence numbers) ready before the clock starts. No projections, no
/// checks, no hashing: that is the ledger's work, which the ratios charge to it.
/// </summary>
internal sealed class BenchRaw : IAsyncDisposable
{
    private const string InsertTransaction = """
        INSERT INTO ledger_transactions (community_id, seq, kind, category, idempotency_key, request_hash, rule_code,
            rule_version, facts, explanation, actor, member_id, minutes, reverses_seq, occurred_at, prev_hash, hash)
        VALUES (@communityId, @seq, @kind, @category, @key, @requestHash, @ruleCode,
            @ruleVersion, @facts, @explanation, @actor, @memberId, @minutes, @reversesSeq, @occurredAt, @prevHash, @hash)
        """;

    private const string InsertPosting = """
        INSERT INTO ledger_postings (transaction_id, line_no, account_id, amount) VALUES (@transactionId, @lineNo, @accountId, @amount)
        """;

    private readonly SqliteConnection _connection;
    private readonly BenchCommunity _community;
    private readonly TimeProvider _clock;
    private readonly SqliteCommand _tx;
    private readonly SqliteCommand _posting;
    private readonly SqliteParameter _seq, _category, _key, _requestHash, _ruleCode, _facts, _explanation, _occurredAt, _prevHash, _hash;
    private readonly SqliteParameter _transactionId, _lineNo, _accountId, _amount;
    private readonly string[] _hashes;
    private long _lastSeq;
    private string _lastHash = CanonicalForm.GenesisHash;

    private StatementProfile? _profile;

    private BenchRaw(SqliteConnection connection, BenchCommunity community, TimeProvider clock, StatementProfile? profile)
    {
        _profile = profile;
        _connection = connection;
        _community = community;
        _clock = clock;

        // 64-hex strings of the shape the ledger stores (SHA-256, lowercase hex), made before any timing.
        var random = new Random(4242);
        _hashes = new string[4096];
        var bytes = new byte[32];
        for (var i = 0; i < _hashes.Length; i++)
        {
            random.NextBytes(bytes);
            _hashes[i] = Convert.ToHexStringLower(bytes);
        }

        _tx = connection.CreateCommand();
        _tx.CommandText = InsertTransaction;
        _tx.Parameters.AddWithValue("@communityId", community.Id);
        _seq = _tx.Parameters.AddWithValue("@seq", 0L);
        _tx.Parameters.AddWithValue("@kind", TransactionKind.Award.ToDb());
        _category = _tx.Parameters.AddWithValue("@category", "");
        _key = _tx.Parameters.AddWithValue("@key", "");
        _requestHash = _tx.Parameters.AddWithValue("@requestHash", "");
        _ruleCode = _tx.Parameters.AddWithValue("@ruleCode", "");
        _tx.Parameters.AddWithValue("@ruleVersion", 1);
        _facts = _tx.Parameters.AddWithValue("@facts", "");
        _explanation = _tx.Parameters.AddWithValue("@explanation", "");
        _tx.Parameters.AddWithValue("@actor", BenchWorkload.Actor);
        _tx.Parameters.AddWithValue("@memberId", DBNull.Value);
        _tx.Parameters.AddWithValue("@minutes", DBNull.Value);
        _tx.Parameters.AddWithValue("@reversesSeq", DBNull.Value);
        _occurredAt = _tx.Parameters.AddWithValue("@occurredAt", DateTime.UnixEpoch);
        _prevHash = _tx.Parameters.AddWithValue("@prevHash", "");
        _hash = _tx.Parameters.AddWithValue("@hash", "");

        _posting = connection.CreateCommand();
        _posting.CommandText = InsertPosting;
        _transactionId = _posting.Parameters.AddWithValue("@transactionId", 0L);
        _lineNo = _posting.Parameters.AddWithValue("@lineNo", 1);
        _accountId = _posting.Parameters.AddWithValue("@accountId", 0L);
        _amount = _posting.Parameters.AddWithValue("@amount", 0L);
    }

    /// <param name="profile">With a profile, every database call is timed into it (see <see cref="StatementProfile"/>).</param>
    public static async Task<BenchRaw> OpenAsync(DbDataSource db, BenchCommunity community, TimeProvider clock, CancellationToken ct,
        StatementProfile? profile = null)
    {
        var connection = (SqliteConnection)await db.OpenConnectionAsync(ct);
        var raw = new BenchRaw(connection, community, clock, profile);
        // Prepare both statements now, inside a transaction that writes nothing.
        using (var tx = connection.BeginTransaction())
        {
            raw._tx.Transaction = tx;
            raw._posting.Transaction = tx;
            raw._tx.Prepare();
            raw._posting.Prepare();
            tx.Rollback();
        }
        // Go on after rows an earlier writer left in the community (sequence numbers are unique per community).
        await using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM ledger_transactions WHERE community_id = @communityId";
            last.Parameters.AddWithValue("@communityId", community.Id);
            raw._lastSeq = Convert.ToInt64(await last.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        return raw;
    }

    public SqliteConnection Connection => _connection;

    public void StopProfiling() => _profile = null;

    /// <summary>Writes the items in one database transaction.</summary>
    public void WriteBatch(ReadOnlySpan<BenchItem> items)
    {
        using var tx = Begin();
        var now = Clock.Now(_clock);
        foreach (ref readonly var item in items)
        {
            Write(item, now);
        }
        Commit(tx);
    }

    /// <summary>Writes each item in its own database transaction (one commit, so one WAL fsync, per item).</summary>
    public void WriteEach(ReadOnlySpan<BenchItem> items)
    {
        foreach (ref readonly var item in items)
        {
            using var tx = Begin();
            Write(item, Clock.Now(_clock));
            Commit(tx);
        }
    }

    private SqliteTransaction Begin()
    {
        var tx = _profile is null ? _connection.BeginTransaction() : _profile.Time("BEGIN IMMEDIATE", () => _connection.BeginTransaction());
        _tx.Transaction = tx;
        _posting.Transaction = tx;
        return tx;
    }

    private void Commit(SqliteTransaction tx)
    {
        if (_profile is null)
        {
            tx.Commit();
        }
        else
        {
            _profile.Time("COMMIT (WAL write + fsync)", tx.Commit);
        }
    }

    private static readonly string TransactionLabel = StatementProfile.Label("exec", InsertTransaction);
    private static readonly string PostingLabel = StatementProfile.Label("exec", InsertPosting);

    private void Execute(SqliteCommand command)
    {
        if (_profile is null)
        {
            command.ExecuteNonQuery();
        }
        else
        {
            _profile.Time(ReferenceEquals(command, _tx) ? TransactionLabel : PostingLabel, () => command.ExecuteNonQuery());
        }
    }

    private void Write(in BenchItem item, DateTime now)
    {
        var deed = BenchWorkload.Deeds[item.Deed];
        var seq = _lastSeq + 1;
        var hash = _hashes[seq & 4095];
        _seq.Value = seq;
        _category.Value = deed.Category;
        _key.Value = item.Key;
        _requestHash.Value = _hashes[(seq * 7 + 1) & 4095];
        _ruleCode.Value = deed.RuleCode;
        _facts.Value = deed.Facts;
        _explanation.Value = deed.Reason;
        _occurredAt.Value = now;
        _prevHash.Value = _lastHash;
        _hash.Value = hash;
        Execute(_tx);
        var id = SQLitePCL.raw.sqlite3_last_insert_rowid(_connection.Handle);

        _transactionId.Value = id;
        _lineNo.Value = 1;
        _accountId.Value = _community.Issuance;
        _amount.Value = -item.Points;
        Execute(_posting);
        _lineNo.Value = 2;
        _accountId.Value = _community.Accounts[item.Account];
        _amount.Value = item.Points;
        Execute(_posting);

        _lastSeq = seq;
        _lastHash = hash;
    }

    public async ValueTask DisposeAsync()
    {
        await _tx.DisposeAsync();
        await _posting.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
