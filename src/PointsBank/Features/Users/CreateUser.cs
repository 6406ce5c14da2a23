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

sealed class CreateUserHandler(DbDataSource db, SqlDialect dialect, CallerContext callers, TimeProvider clock)
    : IRequestHandler<CreateUser, Outcome<UserCreated>>
{
    public async Task<Outcome<UserCreated>> Handle(CreateUser request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await dialect.BeginWriteAsync(connection, ct);
        var created = await UserRecords.CreateUserAsync(connection, tx, dialect, request.Username, request.DisplayName, request.Password,
            callers.Current.Actor, Clock.Now(clock), ct);
        if (!created.Succeeded)
        {
            return created.Failure!;
        }
        await tx.CommitAsync(ct);
        return new UserCreated(created.Value, UserStore.NormalizeUsername(request.Username));
    }
}
