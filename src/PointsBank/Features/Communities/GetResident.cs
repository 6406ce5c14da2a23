using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// One resident, active or not. Every role of the community; the name is masked and the phone withheld for everyone
/// but the committee and admins (<see cref="PersonalData"/>).
/// </summary>
[AnyStaff]
public sealed record GetResident(long CommunityId, long ResidentId) : IRequest<Outcome<ResidentView>>, IQuery, IResidentScoped;

sealed class GetResidentHandler(DbDataSource db, CallerContext callers) : IRequestHandler<GetResident, Outcome<ResidentView>>
{
    private const string Select = """
        SELECT id AS Id, household_id AS HouseholdId, full_name AS FullName, phone AS Phone, is_active AS IsActive, created_at AS CreatedAt,
               (SELECT a.id FROM accounts a WHERE a.resident_id = residents.id) AS AccountId
          FROM residents WHERE id = @residentId AND community_id = @communityId
        """;

    public async Task<Outcome<ResidentView>> Handle(GetResident request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var resident = await connection.QuerySingleOrDefaultAsync<ResidentRow>(new CommandDefinition(Select,
            new { residentId = request.ResidentId, communityId = request.CommunityId }, cancellationToken: ct));
        return resident is null
            ? new Failure("resident_not_found", $"resident {request.ResidentId} does not exist in community {request.CommunityId}")
            : resident.View(PersonalData.Visible(callers.Current, request.CommunityId));
    }
}
