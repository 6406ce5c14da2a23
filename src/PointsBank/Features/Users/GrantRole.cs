using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

public sealed record RoleChanged(string Username, long? CommunityId, string Role);

/// <summary>Grants an existing user a role in the community (an inspector optionally limited to a grid; a shopkeeper bound to a shop).</summary>
[Allow(Identity.Role.Admin)]
public sealed record GrantRole([property: JsonIgnore] long CommunityId, string Username, string Role, long? GridId = null, long? ShopId = null)
    : IRequest<Outcome<RoleChanged>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Check.Text("username", Username, 64).Concat(UserRecords.ValidateRole(Role, GridId, ShopId));
}

sealed class GrantRoleHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<GrantRole, Outcome<RoleChanged>>
{
    public async Task<Outcome<RoleChanged>> Handle(GrantRole request, CancellationToken ct)
    {
        var (connection, tx) = (work.Connection, work.Transaction);
        if (await UserRecords.FindUserAsync(connection, tx, request.Username, ct) is not { } userId)
        {
            return new Failure("user_not_found", $"no user '{request.Username}'");
        }
        Roles.TryParse(request.Role, out var role);
        if (await UserRecords.GrantAsync(connection, tx, userId, request.CommunityId, role, request.GridId, request.ShopId,
                callers.Current.Actor, work.Now, ct) is { } failure)
        {
            return failure;
        }
        return new RoleChanged(UserStore.NormalizeUsername(request.Username), request.CommunityId, role.ToDb());
    }
}

/// <summary>Revokes every live grant of a role to a user in the community. The grant rows stay, marked revoked.</summary>
[Allow(Identity.Role.Admin)]
public sealed record RevokeRole(long CommunityId, string Username, string Role) : IRequest<Outcome<RoleChanged>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Check.Text("username", Username, 64)
        .Concat(Roles.TryParse(Role, out _) ? [] : [new FieldError("role", "未知角色", "is not a known role")]);
}

sealed class RevokeRoleHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<RevokeRole, Outcome<RoleChanged>>
{
    private const string Revoke = """
        UPDATE user_roles SET revoked_at = @now, revoked_by = @actor
         WHERE user_id = (SELECT id FROM users WHERE username = @username) AND community_id = @communityId AND role = @role AND revoked_at IS NULL
        """;

    public async Task<Outcome<RoleChanged>> Handle(RevokeRole request, CancellationToken ct)
    {
        Roles.TryParse(request.Role, out var role);
        var changed = await work.ExecuteAsync(Revoke, new
        {
            now = work.Now,
            actor = callers.Current.Actor,
            username = UserStore.NormalizeUsername(request.Username),
            communityId = request.CommunityId,
            role = role.ToDb(),
        }, ct);
        return changed > 0
            ? new RoleChanged(UserStore.NormalizeUsername(request.Username), request.CommunityId, role.ToDb())
            : new Failure("role_not_found", $"'{request.Username}' holds no {role.ToDb()} role in community {request.CommunityId}");
    }
}
