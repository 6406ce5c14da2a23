using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Who changes the roster, inside the request's unit of work (which gives the transaction and the time).</summary>
internal sealed record RosterWrite(UnitOfWork Work, string Actor)
{
    public SqlDialect Dialect => Work.Dialect;
    public DateTime Now => Work.Now;
}

/// <summary>
/// One roster table as the shared write path needs it: how to read a row for change, how to switch it on or off,
/// and the codes for "no such row" and "name or code taken".
/// </summary>
internal sealed record RosterTable(RosterEntity Entity, DialectSql Lock, string SetActive, string NotFound, string? Duplicate);

/// <summary>
/// The write path every roster use case shares. Each change runs in the request's unit of work: lock and read the
/// row as it was, check, write, read it as it is, and record both in <c>entity_changes</c>. On SQL Server
/// the row is read with UPDLOCK so that two concurrent edits of one row queue and each history row's "before" is
/// what the edit really replaced; on SQLite the write transaction already holds the database write lock.
/// </summary>
internal static class Roster
{
    private const string CommunityActive = "SELECT is_active FROM communities WHERE id = @communityId";
    private const string GridActive = "SELECT is_active FROM grids WHERE id = @gridId AND community_id = @communityId";
    private const string HouseholdActive = "SELECT is_active FROM households WHERE id = @householdId AND community_id = @communityId";

    private static readonly DialectSql LockCommunity = new(
        Sqlite: """
            SELECT id AS Id, code AS Code, name AS Name, time_zone AS TimeZone, account_mode AS AccountMode,
                   penalty_policy AS PenaltyPolicy, is_active AS IsActive, created_at AS CreatedAt
              FROM communities WHERE id = @id
            """,
        SqlServer: """
            SELECT id AS Id, code AS Code, name AS Name, time_zone AS TimeZone, account_mode AS AccountMode,
                   penalty_policy AS PenaltyPolicy, is_active AS IsActive, created_at AS CreatedAt
              FROM communities WITH (UPDLOCK) WHERE id = @id
            """);

    private static readonly DialectSql LockGrid = new(
        Sqlite: """
            SELECT id AS Id, name AS Name, is_active AS IsActive, created_at AS CreatedAt
              FROM grids WHERE id = @id AND community_id = @communityId
            """,
        SqlServer: """
            SELECT id AS Id, name AS Name, is_active AS IsActive, created_at AS CreatedAt
              FROM grids WITH (UPDLOCK) WHERE id = @id AND community_id = @communityId
            """);

    private static readonly DialectSql LockHousehold = new(
        Sqlite: """
            SELECT id AS Id, grid_id AS GridId, code AS Code, address AS Address, is_active AS IsActive, created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.household_id = households.id) AS AccountId
              FROM households WHERE id = @id AND community_id = @communityId
            """,
        SqlServer: """
            SELECT id AS Id, grid_id AS GridId, code AS Code, address AS Address, is_active AS IsActive, created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.household_id = households.id) AS AccountId
              FROM households WITH (UPDLOCK) WHERE id = @id AND community_id = @communityId
            """);

    private static readonly DialectSql LockResident = new(
        Sqlite: """
            SELECT id AS Id, household_id AS HouseholdId, full_name AS FullName, phone AS Phone, is_active AS IsActive, created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.resident_id = residents.id) AS AccountId
              FROM residents WHERE id = @id AND community_id = @communityId
            """,
        SqlServer: """
            SELECT id AS Id, household_id AS HouseholdId, full_name AS FullName, phone AS Phone, is_active AS IsActive, created_at AS CreatedAt,
                   (SELECT a.id FROM accounts a WHERE a.resident_id = residents.id) AS AccountId
              FROM residents WITH (UPDLOCK) WHERE id = @id AND community_id = @communityId
            """);

    private static readonly DialectSql LockShop = new(
        Sqlite: """
            SELECT id AS Id, name AS Name, kind AS Kind, is_active AS IsActive, created_at AS CreatedAt
              FROM shops WHERE id = @id AND community_id = @communityId
            """,
        SqlServer: """
            SELECT id AS Id, name AS Name, kind AS Kind, is_active AS IsActive, created_at AS CreatedAt
              FROM shops WITH (UPDLOCK) WHERE id = @id AND community_id = @communityId
            """);

    private const string SetCommunityActive = "UPDATE communities SET is_active = @active WHERE id = @id";
    private const string SetGridActive = "UPDATE grids SET is_active = @active WHERE id = @id AND community_id = @communityId";
    private const string SetHouseholdActive = "UPDATE households SET is_active = @active WHERE id = @id AND community_id = @communityId";
    private const string SetResidentActive = "UPDATE residents SET is_active = @active WHERE id = @id AND community_id = @communityId";
    private const string SetShopActive = "UPDATE shops SET is_active = @active WHERE id = @id AND community_id = @communityId";

    // Declared after the statements they name: static fields initialise in textual order.
    public static readonly RosterTable Communities = new(RosterEntity.Community, LockCommunity, SetCommunityActive, "community_not_found", null);
    public static readonly RosterTable Grids = new(RosterEntity.Grid, LockGrid, SetGridActive, "grid_not_found", "grid_name_exists");
    public static readonly RosterTable Households = new(RosterEntity.Household, LockHousehold, SetHouseholdActive, "household_not_found", "household_code_exists");
    public static readonly RosterTable Residents = new(RosterEntity.Resident, LockResident, SetResidentActive, "resident_not_found", null);
    public static readonly RosterTable Shops = new(RosterEntity.Shop, LockShop, SetShopActive, "shop_not_found", "shop_name_exists");

    /// <summary>Null when there is no such community; else whether it is active.</summary>
    public static Task<bool?> CommunityActiveAsync(DbConnection connection, DbTransaction? tx, long communityId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool?>(new CommandDefinition(CommunityActive, new { communityId }, tx, cancellationToken: ct));

    /// <summary>
    /// One page of a community's list: refuses an unknown community, then counts and reads with the same arguments
    /// (which carry the filters and <c>take</c>/<c>skip</c> from <see cref="Paging"/>).
    /// </summary>
    public static async Task<Outcome<(long Total, IReadOnlyList<TRow> Rows)>> PageAsync<TRow>(DbDataSource db, SqlDialect dialect, long communityId,
        string count, DialectSql page, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await CommunityActiveAsync(connection, null, communityId, ct) is null)
        {
            return new Failure("community_not_found", $"community {communityId} does not exist");
        }
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(count, args, cancellationToken: ct));
        var rows = await connection.QueryAsync<TRow>(new CommandDefinition(dialect.Pick(page), args, cancellationToken: ct));
        return (total, rows.ToList());
    }

    /// <summary>Null when the grid is not one of the community's; else whether it is active.</summary>
    public static Task<bool?> GridActiveAsync(DbConnection connection, DbTransaction tx, long communityId, long gridId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool?>(new CommandDefinition(GridActive, new { gridId, communityId }, tx, cancellationToken: ct));

    /// <summary>Null when the household is not one of the community's; else whether it is active.</summary>
    public static Task<bool?> HouseholdActiveAsync(DbConnection connection, DbTransaction tx, long communityId, long householdId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool?>(new CommandDefinition(HouseholdActive, new { householdId, communityId }, tx, cancellationToken: ct));

    /// <summary>A household or resident may only join a grid or household that exists in the community and is active.</summary>
    public static async Task<Failure?> GridAcceptsAsync(DbConnection connection, DbTransaction tx, long communityId, long gridId, CancellationToken ct) =>
        await GridActiveAsync(connection, tx, communityId, gridId, ct) switch
        {
            null => new Failure("grid_not_found", $"grid {gridId} does not exist in community {communityId}"),
            false => new Failure("grid_inactive", $"grid {gridId} is deactivated and takes no new households"),
            true => null,
        };

    public static async Task<Failure?> HouseholdAcceptsAsync(DbConnection connection, DbTransaction tx, long communityId, long householdId,
        CancellationToken ct) =>
        await HouseholdActiveAsync(connection, tx, communityId, householdId, ct) switch
        {
            null => new Failure("household_not_found", $"household {householdId} does not exist in community {communityId}"),
            false => new Failure("household_inactive", $"household {householdId} is deactivated and takes no new residents"),
            true => null,
        };

    /// <summary>
    /// Adds a row to an active community: checks, inserts (a taken name or code is a conflict, also when a concurrent
    /// insert wins the race to the unique index), reads the row back and records its creation.
    /// </summary>
    public static async Task<Outcome<TRow>> CreateAsync<TRow>(RosterWrite write, RosterTable table, long communityId,
        Func<DbConnection, DbTransaction, Task<Failure?>> check, DialectSql insert, object args, CancellationToken ct)
        where TRow : class, IRosterRow
    {
        var (connection, tx) = (write.Work.Connection, write.Work.Transaction);
        switch (await CommunityActiveAsync(connection, tx, communityId, ct))
        {
            case null:
                return new Failure("community_not_found", $"community {communityId} does not exist");
            case false:
                return new Failure("community_inactive", $"community {communityId} is deactivated");
        }
        if (await check(connection, tx) is { } refused)
        {
            return refused;
        }
        long id;
        try
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(write.Dialect.Pick(insert), args, tx, cancellationToken: ct));
        }
        catch (DbException e) when (table.Duplicate is not null && IsUniqueViolation(e))
        {
            return Duplicate(table, communityId);
        }
        var created = (await LoadAsync<TRow>(connection, tx, write.Dialect, table, communityId, id, ct))!;
        await ChangeLog.RecordAsync(connection, tx, communityId, table.Entity, id, RosterChange.Create, write.Actor, write.Now, null, created, ct);
        return created;
    }

    /// <summary>
    /// Changes one row: locks and reads it, lets <paramref name="check"/> refuse, runs <paramref name="statement"/>,
    /// reads the row again and records before and after. A change that leaves the row as it was records nothing.
    /// </summary>
    public static async Task<Outcome<TRow>> ChangeAsync<TRow>(RosterWrite write, RosterTable table, long communityId, long id,
        RosterChange change, Func<DbConnection, DbTransaction, TRow, Task<Failure?>> check, string statement, object args, CancellationToken ct)
        where TRow : class, IRosterRow
    {
        var (connection, tx) = (write.Work.Connection, write.Work.Transaction);
        if (await LoadAsync<TRow>(connection, tx, write.Dialect, table, communityId, id, ct) is not { } before)
        {
            return new Failure(table.NotFound, $"{table.Entity.ToDb()} {id} does not exist in community {communityId}");
        }
        if (await check(connection, tx, before) is { } refused)
        {
            return refused;
        }
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, args, tx, cancellationToken: ct));
        }
        catch (DbException e) when (table.Duplicate is not null && IsUniqueViolation(e))
        {
            return Duplicate(table, communityId);
        }
        var after = (await LoadAsync<TRow>(connection, tx, write.Dialect, table, communityId, id, ct))!;
        if (!after.Equals(before))
        {
            await ChangeLog.RecordAsync(connection, tx, communityId, table.Entity, id, change, write.Actor, write.Now, before, after, ct);
        }
        return after;
    }

    /// <summary>
    /// Deactivates or reactivates a row; rows are never deleted. Doing it to a row already in that state changes and
    /// records nothing, so a retried request is harmless. <paramref name="check"/> runs only when the state changes.
    /// </summary>
    public static Task<Outcome<TRow>> SetActiveAsync<TRow>(RosterWrite write, RosterTable table, long communityId, long id, bool active,
        CancellationToken ct, Func<DbConnection, DbTransaction, TRow, Task<Failure?>>? check = null)
        where TRow : class, IRosterRow =>
        ChangeAsync<TRow>(write, table, communityId, id, active ? RosterChange.Reactivate : RosterChange.Deactivate,
            (connection, tx, before) => before.IsActive == active || check is null ? Task.FromResult<Failure?>(null) : check(connection, tx, before),
            table.SetActive, new { id, communityId, active }, ct);



    private static async Task<TRow?> LoadAsync<TRow>(DbConnection connection, DbTransaction tx, SqlDialect dialect, RosterTable table,
        long communityId, long id, CancellationToken ct) where TRow : class =>
        await connection.QuerySingleOrDefaultAsync<TRow>(new CommandDefinition(dialect.Pick(table.Lock), new { id, communityId }, tx,
            cancellationToken: ct));

    private static Failure Duplicate(RosterTable table, long communityId) => new(table.Duplicate!, table.Entity switch
    {
        RosterEntity.Household => $"another household in community {communityId} has this code",
        _ => $"another {table.Entity.ToDb()} in community {communityId} has this name",
    });

    // SQLite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; SQL Server: unique index (2601) or unique constraint (2627).
    private static bool IsUniqueViolation(DbException e) => e switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        SqlException sql => sql.Number is 2601 or 2627,
        _ => false,
    };
}
