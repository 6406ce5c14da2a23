using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using PointsBank.Data;

namespace PointsBank.Identity;

public sealed record IssuedToken(long Id, string Token, string Prefix, DateTime ExpiresAt);

public sealed record TokenInfo(long Id, string Name, string Prefix, DateTime CreatedAt, DateTime ExpiresAt, DateTime? RevokedAt);

/// <summary>
/// API bearer tokens: <c>pbk_&lt;prefix&gt;_&lt;secret&gt;</c> with 160 random bits of secret, shown once, stored only as
/// SHA-256 (a high-entropy secret needs no slow hash), expiring, revocable, tied to a user.
/// </summary>
public sealed class Tokens(DbDataSource db, SqlDialect dialect, TimeProvider clock, Ledger.PointsLedger ledger)
{
    public const string Scheme = "pbk";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
            VALUES (@userId, @name, @prefix, @tokenHash, @now, @expiresAt) RETURNING id
            """,
        SqlServer: """
            INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
            VALUES (@userId, @name, @prefix, @tokenHash, @now, @expiresAt); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string RevokeOwned = """
        UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND user_id = @userId AND revoked_at IS NULL
        """;

    private const string RevokeAny = "UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL";

    private const string SelectOwned = """
        SELECT id AS Id, name AS Name, prefix AS Prefix, created_at AS CreatedAt, expires_at AS ExpiresAt, revoked_at AS RevokedAt
          FROM api_tokens WHERE user_id = @userId ORDER BY id DESC
        """;

    private sealed class InfoRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string Prefix { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
    }

    /// <summary>Issues a token in its own transaction (sign-in, which commits whatever else happens).</summary>
    public async Task<IssuedToken> IssueAsync(long userId, string name, TimeSpan lifetime, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await IssueAsync(connection, null, Clock.Now(clock), userId, name, lifetime, ct);
    }

    /// <summary>Issues a token inside the request's unit of work.</summary>
    public Task<IssuedToken> IssueAsync(UnitOfWork work, long userId, string name, TimeSpan lifetime, CancellationToken ct) =>
        IssueAsync(work.Connection, work.Transaction, work.Now, userId, name, lifetime, ct);

    private async Task<IssuedToken> IssueAsync(DbConnection connection, DbTransaction? tx, DateTime now, long userId, string name, TimeSpan lifetime,
        CancellationToken ct)
    {
        var prefix = RandomBase32(10);
        var token = $"{Scheme}_{prefix}_{RandomBase32(32)}";
        var expiresAt = now + (lifetime > MaxLifetime ? MaxLifetime : lifetime);
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Pick(Insert), new
        {
            userId, name, prefix, tokenHash = Hash(token), now, expiresAt,
        }, tx, cancellationToken: ct));
        return new IssuedToken(id, token, prefix, expiresAt);
    }

    // The token with its user and the user's live grants: the whole caller of a bearer request in one query.
    private const string SelectCallerByPrefix = """
        SELECT t.token_hash AS TokenHash, t.expires_at AS ExpiresAt, t.revoked_at AS RevokedAt,
               u.id AS UserId, u.username AS Username, u.is_active AS IsActive,
               r.community_id AS CommunityId, r.role AS Role, r.grid_id AS GridId, r.shop_id AS ShopId
          FROM api_tokens t
          JOIN users u ON u.id = t.user_id
          LEFT JOIN user_roles r ON r.user_id = u.id AND r.revoked_at IS NULL
         WHERE t.prefix = @prefix
        """;

    private sealed class CallerRow : UserStore.CallerRow
    {
        public string TokenHash { get; init; } = "";
        public DateTime ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
    }

    /// <summary>
    /// The caller a presented token stands for — its user and live role grants, read in one query with the token — or
    /// the reason it stands for no one (malformed, unknown, revoked, expired; the user deactivated).
    /// </summary>
    public async Task<(Caller? Caller, string? Problem)> CallerAsync(string presented, CancellationToken ct)
    {
        var parts = presented.Split('_');
        if (parts.Length != 3 || parts[0] != Scheme || parts[1].Length != 10 || parts[2].Length != 32)
        {
            return (null, "the token is unknown, revoked or expired");
        }
        var rows = await CallerRowsAsync(parts[1], ct);
        if (rows.Count == 0 || rows[0].RevokedAt is not null || Clock.AsUtc(rows[0].ExpiresAt) <= Clock.Now(clock)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(presented)), Encoding.ASCII.GetBytes(rows[0].TokenHash.Trim())))
        {
            return (null, "the token is unknown, revoked or expired");
        }
        return UserStore.CallerOf(rows) is { } caller ? (caller, null) : (null, "the token's user is deactivated");
    }

    // Every API request reads this: on a pooled connection of the ledger's, with the statement prepared once on it (as
    // the ledger keeps its own), rather than a Dapper command compiled anew on every request. A connection that saw an
    // error is dropped, not returned.
    private async Task<List<CallerRow>> CallerRowsAsync(string prefix, CancellationToken ct)
    {
        var context = await ledger.Contexts.RentAsync(ct);
        try
        {
            var rows = new List<CallerRow>(2);
            await using (var reader = await context.Command(SelectCallerByPrefix, null, [("@prefix", prefix)]).ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new CallerRow
                    {
                        TokenHash = reader.GetString(0),
                        ExpiresAt = reader.GetDateTime(1),
                        RevokedAt = reader.IsDBNull(2) ? null : reader.GetDateTime(2),
                        UserId = Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                        Username = reader.GetString(4),
                        IsActive = Convert.ToBoolean(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture),
                        CommunityId = reader.IsDBNull(6) ? null : Convert.ToInt64(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
                        Role = reader.IsDBNull(7) ? null : reader.GetString(7),
                        GridId = reader.IsDBNull(8) ? null : Convert.ToInt64(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture),
                        ShopId = reader.IsDBNull(9) ? null : Convert.ToInt64(reader.GetValue(9), System.Globalization.CultureInfo.InvariantCulture),
                    });
                }
            }
            await ledger.Contexts.ReturnAsync(context);
            return rows;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    /// <summary>Revokes a token; with <paramref name="ownerId"/> only if that user owns it. False when there was nothing to revoke.</summary>
    public async Task<bool> RevokeAsync(UnitOfWork work, long tokenId, long? ownerId, CancellationToken ct) =>
        await work.ExecuteAsync(ownerId is null ? RevokeAny : RevokeOwned, new { id = tokenId, userId = ownerId, now = work.Now }, ct) > 0;

    public async Task<IReadOnlyList<TokenInfo>> ListAsync(long userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<InfoRow>(new CommandDefinition(SelectOwned, new { userId }, cancellationToken: ct));
        return rows.Select(r => new TokenInfo(r.Id, r.Name, r.Prefix, Clock.AsUtc(r.CreatedAt), Clock.AsUtc(r.ExpiresAt),
            r.RevokedAt is { } revoked ? Clock.AsUtc(revoked) : null)).ToList();
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string RandomBase32(int length)
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
