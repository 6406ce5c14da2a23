using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

/// <summary>A community admin creates a staff user and grants them a role in the community, in one step.</summary>
[Allow(Identity.Role.Admin)]
public sealed record AddCommunityUser([property: JsonIgnore] long CommunityId, string Username, string DisplayName, [property: Secret] string Password, string Role,
    long? GridId = null, long? ShopId = null) : IRequest<Outcome<UserCreated>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() =>
        UserRecords.ValidateNewUser(Username, DisplayName, Password).Concat(UserRecords.ValidateRole(Role, GridId, ShopId));
}

sealed class AddCommunityUserHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<AddCommunityUser, Outcome<UserCreated>>
{
    public async Task<Outcome<UserCreated>> Handle(AddCommunityUser request, CancellationToken ct)
    {
        var (connection, tx) = (work.Connection, work.Transaction);
        var (now, dialect) = (work.Now, work.Dialect);
        var created = await UserRecords.CreateUserAsync(connection, tx, dialect, request.Username, request.DisplayName, request.Password,
            callers.Current.Actor, now, ct);
        if (!created.Succeeded)
        {
            return created.Failure!;
        }
        Roles.TryParse(request.Role, out var role);
        if (await UserRecords.GrantAsync(connection, tx, created.Value, request.CommunityId, role, request.GridId, request.ShopId,
                callers.Current.Actor, now, ct) is { } failure)
        {
            return failure;
        }
        return new UserCreated(created.Value, UserStore.NormalizeUsername(request.Username));
    }
}
