using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Ledger;

namespace PointsBank.Bench;

/// <summary>
/// An experiment for <c>--profile</c>, not a ledger: the statements the ledger runs for one award (PostAsync), in the
/// same order, with the same SQL text (<see cref="LedgerSql"/>), the same request hash and chain hash, the same
/// projection writes and one commit, but on one long-lived connection whose commands are prepared once and re-bound.
/// It skips only the entry validation. Its throughput is what PostAsync could reach if its prepared statements
/// outlived the call, which tells whether the single-award target is reachable with the statements the design requires.
/// </summary>
internal sealed class BenchFloor : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly BenchCommunity _community;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, SqliteCommand> _commands = [];
    private SqliteTransaction? _tx;

    private BenchFloor(SqliteConnection connection, BenchCommunity community, TimeProvider clock)
    {
        _connection = connection;
        _community = community;
        _clock = clock;
    }

    public static async Task<BenchFloor> OpenAsync(DbDataSource db, BenchCommunity community, TimeProvider clock, CancellationToken ct) =>
        new((SqliteConnection)await db.OpenConnectionAsync(ct), community, clock);

    public async Task PostAsync(LedgerEntry entry, CancellationToken ct)
    {
        var now = Clock.Now(_clock);
        await using var tx = (SqliteTransaction)await _connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        _tx = tx;
        long lastSeq;
        string lastHash;
        TimeZoneInfo zone;
        await using (var reader = await Command(SqlDialect.Sqlite.Pick(SqlDialect.LockChainHead), ("@communityId", _community.Id)).ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            lastSeq = reader.GetInt64(0);
            lastHash = reader.GetString(1);
            zone = Projections.Zone(reader.GetString(2));
        }
        var requestHash = PointsBank.Ledger.PointsLedger.RequestHash("post", entry.Kind.ToDb(), entry.Category, entry.RuleCode, entry.RuleVersion,
            entry.Facts, entry.Explanation, entry.MemberId, entry.Minutes, entry.Postings);
        await using (var reader = await Command(LedgerSql.SelectByKey, ("@communityId", _community.Id), ("@key", entry.IdempotencyKey)).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                throw new InvalidOperationException("the floor experiment does not replay");
            }
        }
        var balances = new long[entry.Postings.Count];
        for (var i = 0; i < entry.Postings.Count; i++)
        {
            await using var reader = await Command(LedgerSql.SelectAccountState, ("@accountId", entry.Postings[i].AccountId)).ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            balances[i] = reader.GetInt64(2);
        }
        var seq = lastSeq + 1;
        var draft = new LedgerTransaction(0, _community.Id, seq, entry.Kind, entry.Category, entry.IdempotencyKey, entry.RuleCode,
            entry.RuleVersion, entry.Facts, entry.Explanation, entry.Actor, entry.MemberId, entry.Minutes, null, now, lastHash, "", entry.Postings);
        var hash = CanonicalForm.Hash(lastHash, draft);
        var id = Convert.ToInt64(await Command(SqlDialect.Sqlite.Pick(LedgerSql.InsertTransaction),
            ("@communityId", _community.Id), ("@seq", seq), ("@kind", entry.Kind.ToDb()), ("@category", entry.Category),
            ("@key", entry.IdempotencyKey), ("@requestHash", requestHash), ("@ruleCode", entry.RuleCode), ("@ruleVersion", entry.RuleVersion),
            ("@facts", entry.Facts), ("@explanation", entry.Explanation), ("@actor", entry.Actor), ("@memberId", entry.MemberId),
            ("@minutes", entry.Minutes), ("@reversesSeq", null), ("@occurredAt", now), ("@prevHash", lastHash), ("@hash", hash))
            .ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        for (var i = 0; i < entry.Postings.Count; i++)
        {
            await Command(LedgerSql.InsertPosting, ("@transactionId", id), ("@lineNo", i + 1), ("@accountId", entry.Postings[i].AccountId),
                ("@amount", entry.Postings[i].Amount)).ExecuteNonQueryAsync(ct);
        }
        for (var i = 0; i < entry.Postings.Count; i++)
        {
            await Command(LedgerSql.UpdateBalance, ("@balance", balances[i] + entry.Postings[i].Amount), ("@held", 0L), ("@lastSeq", seq),
                ("@accountId", entry.Postings[i].AccountId)).ExecuteNonQueryAsync(ct);
        }
        var credit = entry.Postings[1];
        var month = Projections.Month(now, zone);
        var updated = await Command(LedgerSql.UpdateAggregate, ("@earned", credit.Amount), ("@deducted", 0L), ("@redeemed", 0L),
            ("@minutes", 0L), ("@accountId", credit.AccountId), ("@memberId", 0L), ("@category", entry.Category), ("@month", month))
            .ExecuteNonQueryAsync(ct);
        if (updated == 0)
        {
            await Command(LedgerSql.InsertAggregate, ("@communityId", _community.Id), ("@accountId", credit.AccountId), ("@memberId", 0L),
                ("@category", entry.Category), ("@month", month), ("@earned", credit.Amount), ("@deducted", 0L), ("@redeemed", 0L),
                ("@minutes", 0L)).ExecuteNonQueryAsync(ct);
        }
        await Command(LedgerSql.UpdateChainHead, ("@lastSeq", seq), ("@lastHash", hash), ("@now", now), ("@communityId", _community.Id))
            .ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        _tx = null;
    }

    private SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in args)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            _commands[sql] = command;
        }
        command.Transaction = _tx;
        for (var i = 0; i < args.Length; i++)
        {
            command.Parameters[i].Value = args[i].Value ?? DBNull.Value;
        }
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }
        await _connection.DisposeAsync();
    }
}
