using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

/// <summary>Makes a user an administrator of the whole installation (may create communities and users everywhere).</summary>
[Allow(Role.Admin)]
public sealed record GrantSystemAdmin(string Username) : IRequest<Outcome<RoleChanged>>, IValidated
{
    public IEnumerable<FieldError> Validate() => Check.Text("username", Username, 64);
}

sealed class GrantSystemAdminHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<GrantSystemAdmin, Outcome<RoleChanged>>
{
    public async Task<Outcome<RoleChanged>> Handle(GrantSystemAdmin request, CancellationToken ct)
    {
        var (connection, tx) = (work.Connection, work.Transaction);
        if (await UserRecords.FindUserAsync(connection, tx, request.Username, ct) is not { } userId)
        {
            return new Failure("user_not_found", $"no user '{request.Username}'");
        }
        await UserRecords.GrantAsync(connection, tx, userId, null, Role.Admin, null, null, callers.Current.Actor, work.Now, ct);
        return new RoleChanged(UserStore.NormalizeUsername(request.Username), null, Role.Admin.ToDb());
    }
}

/// <summary>Issues an API token for any user (system administrators and the <c>admin issue-token</c> verb). Shown once.</summary>
[Allow(Role.Admin)]
public sealed record IssueTokenFor(string Username, string Name, int Days) : IRequest<Outcome<Auth.NewToken>>, IValidated
{
    public IEnumerable<FieldError> Validate() =>
        Check.Text("username", Username, 64).Concat(Check.Text("name", Name, 100)).Concat(Check.Range("days", Days, 1, (long)Tokens.MaxLifetime.TotalDays));
}

sealed class IssueTokenForHandler(UserStore users, Tokens tokens, UnitOfWork work) : IRequestHandler<IssueTokenFor, Outcome<Auth.NewToken>>
{
    public async Task<Outcome<Auth.NewToken>> Handle(IssueTokenFor request, CancellationToken ct)
    {
        if (await users.FindAsync(request.Username, ct) is not { IsActive: true } user)
        {
            return new Failure("user_not_found", $"no active user '{request.Username}'");
        }
        var issued = await tokens.IssueAsync(work, user.Id, request.Name.Trim(), TimeSpan.FromDays(request.Days), ct);
        return new Auth.NewToken(issued.Id, issued.Token, issued.ExpiresAt, user.Username);
    }
}

/// <summary>Revokes any token by id (system administrators and the <c>admin revoke-token</c> verb).</summary>
[Allow(Role.Admin)]
public sealed record RevokeToken(long TokenId) : IRequest<Outcome<Auth.TokenRevoked>>;

sealed class RevokeTokenHandler(Tokens tokens, UnitOfWork work) : IRequestHandler<RevokeToken, Outcome<Auth.TokenRevoked>>
{
    public async Task<Outcome<Auth.TokenRevoked>> Handle(RevokeToken request, CancellationToken ct) =>
        await tokens.RevokeAsync(work, request.TokenId, null, ct)
            ? new Auth.TokenRevoked(request.TokenId)
            : new Failure("token_not_found", $"token {request.TokenId} does not exist or is already revoked");
}
