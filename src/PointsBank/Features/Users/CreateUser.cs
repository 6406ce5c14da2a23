using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

public sealed record UserCreated(long UserId, string Username);

/// <summary>Creates a user without roles (system administrators, or the <c>admin create-user</c> verb).</summary>
[Allow(Role.Admin)]
public sealed record CreateUser(string Username, string DisplayName, [property: Secret] string Password) : IRequest<Outcome<UserCreated>>, IValidated
{
    public IEnumerable<FieldError> Validate() => UserRecords.ValidateNewUser(Username, DisplayName, Password);
}

sealed class CreateUserHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<CreateUser, Outcome<UserCreated>>
{
    public async Task<Outcome<UserCreated>> Handle(CreateUser request, CancellationToken ct)
    {
        var (connection, tx) = (work.Connection, work.Transaction);
        var created = await UserRecords.CreateUserAsync(connection, tx, work.Dialect, request.Username, request.DisplayName, request.Password,
            callers.Current.Actor, work.Now, ct);
        if (!created.Succeeded)
        {
            return created.Failure!;
        }
        return new UserCreated(created.Value, UserStore.NormalizeUsername(request.Username));
    }
}
