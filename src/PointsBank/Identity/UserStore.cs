using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Identity;
using PointsBank.Data;

namespace PointsBank.Identity;

public sealed record UserRecord(long Id, string Username, string DisplayName, string? PasswordHash, bool IsActive, int FailedLogins, DateTime? LockedUntil);

public enum SignInResult
{
    Succeeded,
    InvalidCredentials,
    LockedOut,
}

/// <summary>Users, their role grants and password sign-in with lockout.</summary>
public sealed class UserStore(DbDataSource db, TimeProvider clock)
{
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    private static readonly PasswordHasher<UserRecord> Hasher = new();

    // Checked when there is no real hash to check, so an unknown username costs as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(null!, "no such user, no such password");

    private const string SelectByName = """
        SELECT id AS Id, username AS Username, display_name AS DisplayName, password_hash AS PasswordHash,
               is_active AS IsActive, failed_logins AS FailedLogins, locked_until AS LockedUntil
          FROM users WHERE username = @username
        """;

    private const string SelectById = """
        SELECT id AS Id, username AS Username, display_name AS DisplayName, password_hash AS PasswordHash,
               is_active AS IsActive, failed_logins AS FailedLogins, locked_until AS LockedUntil
          FROM users WHERE id = @id
        """;

    // One statement, so concurrent wrong guesses count every failure and none can clear a lock another has set.
    private const string RecordFailure = """
        UPDATE users
           SET failed_logins = failed_logins + 1,
               locked_until = CASE WHEN failed_logins + 1 >= @maxFailures THEN @lockUntil ELSE locked_until END
         WHERE id = @id
        """;

    private const string LockedUntil = "SELECT locked_until FROM users WHERE id = @id";

    private const string ResetFailures = "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id";

    private sealed class UserRow
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string? PasswordHash { get; init; }
        public bool IsActive { get; init; }
        public int FailedLogins { get; init; }
        public DateTime? LockedUntil { get; init; }

        public UserRecord ToRecord() => new(Id, Username, DisplayName, PasswordHash, IsActive, FailedLogins,
            LockedUntil is { } until ? Clock.AsUtc(until) : null);
    }

    private const string CountSystemAdmins = """
        SELECT COUNT(*) FROM user_roles WHERE community_id IS NULL AND role = 'admin' AND revoked_at IS NULL
        """;

    public async Task<bool> AnySystemAdminAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSystemAdmins, cancellationToken: ct)) > 0;
    }

    public static string HashPassword(string password) => Hasher.HashPassword(null!, password);

    public static string NormalizeUsername(string username) => username.Trim().ToLowerInvariant();

    public async Task<UserRecord?> FindAsync(string username, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(SelectByName,
            new { username = NormalizeUsername(username) }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<UserRecord?> FindAsync(long id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(SelectById, new { id }, cancellationToken: ct));
        return row?.ToRecord();
    }

    /// <summary>The caller for an authenticated user id, or anonymous when the user no longer exists or was deactivated (one query).</summary>
    public async Task<Caller> CallerAsync(long userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<CallerRow>(new CommandDefinition(SelectCaller, new { userId }, cancellationToken: ct))).AsList();
        return CallerOf(rows) ?? Caller.Anonymous;
    }

    // The user with its live role grants, one row per grant (or one row with no grant).
    private const string SelectCaller = """
        SELECT u.id AS UserId, u.username AS Username, u.is_active AS IsActive,
               r.community_id AS CommunityId, r.role AS Role, r.grid_id AS GridId, r.shop_id AS ShopId
          FROM users u
          LEFT JOIN user_roles r ON r.user_id = u.id AND r.revoked_at IS NULL
         WHERE u.id = @userId
        """;

    /// <summary>A user row joined to its live grants (<see cref="Role"/> null when it has none).</summary>
    public class CallerRow
    {
        public long UserId { get; init; }
        public string Username { get; init; } = "";
        public bool IsActive { get; init; }
        public long? CommunityId { get; init; }
        public string? Role { get; init; }
        public long? GridId { get; init; }
        public long? ShopId { get; init; }
    }

    /// <summary>The caller the rows describe; null when there are none or the user is deactivated.</summary>
    public static Caller? CallerOf(IReadOnlyList<CallerRow> rows)
    {
        if (rows.Count == 0 || !rows[0].IsActive)
        {
            return null;
        }
        var grants = new List<RoleGrant>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Role is { } name && Roles.TryParse(name, out var role))
            {
                grants.Add(new RoleGrant(row.CommunityId, role, row.GridId, row.ShopId));
            }
        }
        return Caller.User(rows[0].UserId, rows[0].Username, grants);
    }

    /// <summary>
    /// Checks a password. Five wrong passwords in a row lock the account for <see cref="LockoutDuration"/>; while locked,
    /// even the right password is refused. Unknown users get the same answer as a wrong password.
    /// </summary>
    public async Task<(SignInResult Result, UserRecord? User)> CheckPasswordAsync(string username, string password, CancellationToken ct)
    {
        var user = await FindAsync(username, ct);
        var now = Clock.Now(clock);
        if (user is null || !user.IsActive || user.PasswordHash is null)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return (SignInResult.InvalidCredentials, null);
        }
        if (user.LockedUntil is { } until && until > now)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return (SignInResult.LockedOut, null);
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var verdict = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            await connection.ExecuteAsync(new CommandDefinition(RecordFailure,
                new { id = user.Id, maxFailures = MaxFailedLogins, lockUntil = now + LockoutDuration }, cancellationToken: ct));
            var lockedUntil = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(LockedUntil, new { id = user.Id }, cancellationToken: ct));
            return (lockedUntil is { } locked && Clock.AsUtc(locked) > now ? SignInResult.LockedOut : SignInResult.InvalidCredentials, null);
        }
        await connection.ExecuteAsync(new CommandDefinition(ResetFailures, new { id = user.Id }, cancellationToken: ct));
        return (SignInResult.Succeeded, user);
    }
}
