using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

/// <summary>The user and role-grant writes the user use cases share.</summary>
internal static class UserRecords
{
    public const int MinPasswordLength = 8;

    private static readonly DialectSql InsertUser = new(
        Sqlite: """
            INSERT INTO users (username, display_name, password_hash, is_active, failed_logins, created_at, created_by)
            VALUES (@username, @displayName, @passwordHash, 1, 0, @now, @actor) RETURNING id
            """,
        SqlServer: """
            INSERT INTO users (username, display_name, password_hash, is_active, failed_logins, created_at, created_by)
            VALUES (@username, @displayName, @passwordHash, 1, 0, @now, @actor); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string UserIdByName = "SELECT id FROM users WHERE username = @username";

    private const string InsertGrant = """
        INSERT INTO user_roles (user_id, community_id, role, grid_id, shop_id, granted_at, granted_by)
        VALUES (@userId, @communityId, @role, @gridId, @shopId, @now, @actor)
        """;

    private const string ExistingGrant = """
        SELECT COUNT(*) FROM user_roles
         WHERE user_id = @userId AND role = @role AND revoked_at IS NULL
           AND ((community_id IS NULL AND @communityId IS NULL) OR community_id = @communityId)
           AND ((grid_id IS NULL AND @gridId IS NULL) OR grid_id = @gridId)
           AND ((shop_id IS NULL AND @shopId IS NULL) OR shop_id = @shopId)
        """;

    private const string GridInCommunity = "SELECT COUNT(*) FROM grids WHERE id = @gridId AND community_id = @communityId";
    private const string ShopInCommunity = "SELECT COUNT(*) FROM shops WHERE id = @shopId AND community_id = @communityId";

    public static IEnumerable<FieldError> ValidateNewUser(string username, string displayName, string password)
    {
        foreach (var e in Check.Code("username", UserStore.NormalizeUsername(username ?? ""), 64)) yield return e;
        foreach (var e in Check.Text("displayName", displayName, 100)) yield return e;
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength || password.Length > 200)
        {
            yield return new FieldError("password", $"密码长度须为 {MinPasswordLength} 到 200 个字符", $"must be {MinPasswordLength} to 200 characters");
        }
    }

    public static IEnumerable<FieldError> ValidateRole(string role, long? gridId, long? shopId)
    {
        if (!Roles.TryParse(role, out var parsed))
        {
            yield return new FieldError("role", "未知角色", "is not a known role (admin, committee, reviewer, inspector, organizer, shopkeeper, township)");
            yield break;
        }
        if (parsed == Role.Shopkeeper && shopId is null)
        {
            yield return new FieldError("shopId", "店员必须绑定一个商家", "is required for a shopkeeper");
        }
        if (parsed != Role.Shopkeeper && shopId is not null)
        {
            yield return new FieldError("shopId", "只有店员绑定商家", "applies to shopkeepers only");
        }
        if (parsed != Role.Inspector && gridId is not null)
        {
            yield return new FieldError("gridId", "只有网格员可限定网格", "applies to inspectors only");
        }
    }

    public static async Task<long?> FindUserAsync(DbConnection connection, DbTransaction? tx, string username, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(UserIdByName, new { username = UserStore.NormalizeUsername(username) }, tx,
            cancellationToken: ct));

    public static async Task<Outcome<long>> CreateUserAsync(DbConnection connection, DbTransaction tx, SqlDialect dialect, string username,
        string displayName, string password, string actor, DateTime now, CancellationToken ct)
    {
        if (await FindUserAsync(connection, tx, username, ct) is not null)
        {
            return new Failure("user_exists", $"the username '{UserStore.NormalizeUsername(username)}' is taken");
        }
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Pick(InsertUser), new
        {
            username = UserStore.NormalizeUsername(username),
            displayName = displayName.Trim(),
            passwordHash = UserStore.HashPassword(password),
            now,
            actor,
        }, tx, cancellationToken: ct));
    }

    /// <summary>Grants a role (idempotent: an identical live grant is left as it is). Checks the grid or shop belongs to the community.</summary>
    public static async Task<Failure?> GrantAsync(DbConnection connection, DbTransaction tx, long userId, long? communityId, Role role,
        long? gridId, long? shopId, string actor, DateTime now, CancellationToken ct)
    {
        if (gridId is not null && await connection.ExecuteScalarAsync<long>(new CommandDefinition(GridInCommunity,
                new { gridId, communityId }, tx, cancellationToken: ct)) == 0)
        {
            return new Failure("grid_not_found", $"grid {gridId} does not exist in community {communityId}");
        }
        if (shopId is not null && await connection.ExecuteScalarAsync<long>(new CommandDefinition(ShopInCommunity,
                new { shopId, communityId }, tx, cancellationToken: ct)) == 0)
        {
            return new Failure("shop_not_found", $"shop {shopId} does not exist in community {communityId}");
        }
        var args = new { userId, communityId, role = role.ToDb(), gridId, shopId, now, actor };
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(ExistingGrant, args, tx, cancellationToken: ct)) == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertGrant, args, tx, cancellationToken: ct));
        }
        return null;
    }
}
