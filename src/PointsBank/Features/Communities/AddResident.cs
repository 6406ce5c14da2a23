using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record ResidentAdded(long ResidentId);

/// <summary>Adds a resident (居民/村民), optionally as a member of a household. Name and phone are personal data.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddResident(long CommunityId, long? HouseholdId, string FullName, string? Phone = null)
    : IRequest<Outcome<ResidentAdded>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() =>
        Check.Text(nameof(FullName), FullName, 100).Concat(Check.Text(nameof(Phone), Phone, 32, required: false));
}

sealed class AddResidentHandler(DbDataSource db, SqlDialect dialect, TimeProvider clock) : IRequestHandler<AddResident, Outcome<ResidentAdded>>
{
    private const string HouseholdInCommunity = "SELECT COUNT(*) FROM households WHERE id = @householdId AND community_id = @communityId";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO residents (community_id, household_id, full_name, phone, is_active, created_at)
            VALUES (@communityId, @householdId, @fullName, @phone, 1, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO residents (community_id, household_id, full_name, phone, is_active, created_at)
            VALUES (@communityId, @householdId, @fullName, @phone, 1, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<ResidentAdded>> Handle(AddResident request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await Roster.CommunityExistsAsync(connection, request.CommunityId, ct))
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (request.HouseholdId is { } householdId && await connection.ExecuteScalarAsync<long>(new CommandDefinition(HouseholdInCommunity,
                new { householdId, communityId = request.CommunityId }, cancellationToken: ct)) == 0)
        {
            return new Failure("owner_not_found", $"household {householdId} does not exist in community {request.CommunityId}");
        }
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Pick(Insert), new
        {
            communityId = request.CommunityId,
            householdId = request.HouseholdId,
            fullName = request.FullName.Trim(),
            phone = string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim(),
            now = Clock.Now(clock),
        }, cancellationToken: ct));
        return new ResidentAdded(id);
    }
}
