using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record HouseholdAdded(long HouseholdId);

/// <summary>Adds a household (户), identified in the community by its door-plate code such as "一组-08".</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddHousehold(long CommunityId, long? GridId, string Code, string Address = "") : IRequest<Outcome<HouseholdAdded>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() =>
        Check.Text(nameof(Code), Code, 64).Concat(Check.Text(nameof(Address), Address, 400, required: false));
}

sealed class AddHouseholdHandler(DbDataSource db, SqlDialect dialect, TimeProvider clock) : IRequestHandler<AddHousehold, Outcome<HouseholdAdded>>
{
    private const string GridInCommunity = "SELECT COUNT(*) FROM grids WHERE id = @gridId AND community_id = @communityId";

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
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await Roster.CommunityExistsAsync(connection, request.CommunityId, ct))
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (request.GridId is { } gridId && await connection.ExecuteScalarAsync<long>(new CommandDefinition(GridInCommunity,
                new { gridId, communityId = request.CommunityId }, cancellationToken: ct)) == 0)
        {
            return new Failure("not_found", $"grid {gridId} does not exist in community {request.CommunityId}");
        }
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Pick(Insert), new
        {
            communityId = request.CommunityId,
            gridId = request.GridId,
            code = request.Code.Trim(),
            address = request.Address.Trim(),
            now = Clock.Now(clock),
        }, cancellationToken: ct));
        return new HouseholdAdded(id);
    }
}
