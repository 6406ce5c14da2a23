using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>One household, active or not. Every role of the community.</summary>
[AnyStaff]
public sealed record GetHousehold(long CommunityId, long HouseholdId) : IRequest<Outcome<HouseholdView>>, IQuery, IHouseholdScoped;

sealed class GetHouseholdHandler(DbDataSource db) : IRequestHandler<GetHousehold, Outcome<HouseholdView>>
{
    private const string Select = """
        SELECT id AS Id, grid_id AS GridId, code AS Code, address AS Address, is_active AS IsActive, created_at AS CreatedAt,
               (SELECT a.id FROM accounts a WHERE a.household_id = households.id) AS AccountId
          FROM households WHERE id = @householdId AND community_id = @communityId
        """;

    public async Task<Outcome<HouseholdView>> Handle(GetHousehold request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var household = await connection.QuerySingleOrDefaultAsync<HouseholdView>(new CommandDefinition(Select,
            new { householdId = request.HouseholdId, communityId = request.CommunityId }, cancellationToken: ct));
        return household is null
            ? new Failure("household_not_found", $"household {request.HouseholdId} does not exist in community {request.CommunityId}")
            : household;
    }
}
