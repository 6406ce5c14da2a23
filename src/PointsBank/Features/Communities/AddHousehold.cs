using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record HouseholdAdded(long HouseholdId);

/// <summary>
/// Adds a household (户), identified in the community by its door-plate code such as "一组-08", optionally in a grid.
/// A deactivated grid takes no new households.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddHousehold([property: JsonIgnore] long CommunityId, long? GridId, string Code, string Address = "",
    [property: JsonIgnore] string? IdempotencyKey = null)
    : IRequest<Outcome<HouseholdAdded>>, IValidated, IGridScoped, IIdempotent
{
    /// <summary>Optional here: a client that may retry sends one so the retry creates nothing twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => HouseholdFields.Validate(GridId, Code, Address);
}

sealed class AddHouseholdHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<AddHousehold, Outcome<HouseholdAdded>>
{
    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO households (community_id, grid_id, code, address, is_active, created_at)
            VALUES (@communityId, @gridId, @code, @address, 1, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO households (community_id, grid_id, code, address, is_active, created_at)
            VALUES (@communityId, @gridId, @code, @address, 1, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<HouseholdAdded>> Handle(AddHousehold request, CancellationToken ct)
    {
        var write = new RosterWrite(work, callers.Current.Actor);
        var args = new
        {
            communityId = request.CommunityId,
            gridId = request.GridId,
            code = request.Code.Trim(),
            address = (request.Address ?? "").Trim(),
            now = write.Now,
        };
        var created = await Roster.CreateAsync<HouseholdView>(write, Roster.Households, request.CommunityId,
            async (connection, tx) =>
                (request.GridId is { } gridId ? await Roster.GridAcceptsAsync(connection, tx, request.CommunityId, gridId, ct) : null)
                ?? await HouseholdFields.CodeTakenAsync(connection, tx, request.CommunityId, args.code, null, ct),
            Insert, args, ct);
        return created.Succeeded ? new HouseholdAdded(created.Value!.Id) : created.Failure!;
    }
}

/// <summary>The household fields that adding and editing share.</summary>
internal static class HouseholdFields
{
    private const string CodeTaken = """
        SELECT COUNT(*) FROM households WHERE community_id = @communityId AND code = @code AND (@exceptId IS NULL OR id <> @exceptId)
        """;

    public static IEnumerable<FieldError> Validate(long? gridId, string code, string? address)
    {
        if (gridId is { } grid)
        {
            foreach (var e in Check.Positive("gridId", grid)) yield return e;
        }
        foreach (var e in Check.Text("code", code, 64)) yield return e;
        foreach (var e in Check.Text("address", address, 400, required: false)) yield return e;
    }

    /// <summary>Door-plate codes are unique in the community (the database enforces it too).</summary>
    public static async Task<Failure?> CodeTakenAsync(DbConnection connection, DbTransaction tx, long communityId, string code, long? exceptId,
        CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(CodeTaken, new { communityId, code, exceptId }, tx, cancellationToken: ct)) > 0
            ? new Failure("household_code_exists", $"community {communityId} already has a household with code '{code}'")
            : null;
}
