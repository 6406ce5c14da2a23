using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

public sealed record MyRole(long? CommunityId, string? CommunityName, string Role, long? GridId, string? GridName, long? ShopId, string? ShopName);

public sealed record MeView(long UserId, string Username, string DisplayName, bool IsSystemAdmin, IReadOnlyList<MyRole> Roles);

/// <summary>
/// The signed-in user and the roles they hold, with the names of the communities, grids and shops those roles are
/// tied to (for the home page and API clients). Only the caller's own grants are read.
/// </summary>
[AnyStaff]
public sealed record GetMe : IRequest<Outcome<MeView>>, IQuery;

sealed class GetMeHandler(CallerContext callers, UserStore users, DbDataSource db) : IRequestHandler<GetMe, Outcome<MeView>>
{
    private const string MyRoles = """
        SELECT r.community_id AS CommunityId, c.name AS CommunityName, r.role AS Role,
               r.grid_id AS GridId, g.name AS GridName, r.shop_id AS ShopId, s.name AS ShopName
          FROM user_roles r
          LEFT JOIN communities c ON c.id = r.community_id
          LEFT JOIN grids g ON g.id = r.grid_id
          LEFT JOIN shops s ON s.id = r.shop_id
         WHERE r.user_id = @userId AND r.revoked_at IS NULL
         ORDER BY r.community_id, r.role
        """;

    private sealed class Row
    {
        public long? CommunityId { get; init; }
        public string? CommunityName { get; init; }
        public string Role { get; init; } = "";
        public long? GridId { get; init; }
        public string? GridName { get; init; }
        public long? ShopId { get; init; }
        public string? ShopName { get; init; }
    }

    public async Task<Outcome<MeView>> Handle(GetMe request, CancellationToken ct)
    {
        var caller = callers.Current;
        var user = await users.FindAsync(caller.UserId!.Value, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(MyRoles, new { userId = user!.Id }, cancellationToken: ct));
        return new MeView(user.Id, user.Username, user.DisplayName, caller.IsSystemAdmin,
            rows.Select(r => new MyRole(r.CommunityId, r.CommunityName, r.Role, r.GridId, r.GridName, r.ShopId, r.ShopName)).ToList());
    }
}
