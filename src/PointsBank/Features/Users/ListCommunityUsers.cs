using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

public sealed record CommunityUser(long UserId, string Username, string DisplayName, bool IsActive, string Role, long? GridId, long? ShopId);

/// <summary>Who holds which role in the community (live grants).</summary>
[Allow(Role.Admin, Role.Committee)]
public sealed record ListCommunityUsers(long CommunityId) : IRequest<Outcome<IReadOnlyList<CommunityUser>>>, IQuery, ICommunityScoped;

sealed class ListCommunityUsersHandler(DbDataSource db) : IRequestHandler<ListCommunityUsers, Outcome<IReadOnlyList<CommunityUser>>>
{
    private const string Select = """
        SELECT u.id AS UserId, u.username AS Username, u.display_name AS DisplayName, u.is_active AS IsActive,
               r.role AS Role, r.grid_id AS GridId, r.shop_id AS ShopId
          FROM user_roles r JOIN users u ON u.id = r.user_id
         WHERE r.community_id = @communityId AND r.revoked_at IS NULL
         ORDER BY u.username, r.role
        """;

    private sealed class Row
    {
        public long UserId { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public bool IsActive { get; init; }
        public string Role { get; init; } = "";
        public long? GridId { get; init; }
        public long? ShopId { get; init; }
    }

    public async Task<Outcome<IReadOnlyList<CommunityUser>>> Handle(ListCommunityUsers request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(Select, new { communityId = request.CommunityId }, cancellationToken: ct));
        return new(rows.Select(r => new CommunityUser(r.UserId, r.Username, r.DisplayName, r.IsActive, r.Role, r.GridId, r.ShopId)).ToList(), null);
    }
}
