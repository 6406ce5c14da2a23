using PointsBank.Data;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

public sealed record UserActivity(string Username, bool IsActive);

/// <summary>
/// Deactivates a user (system administrators): sign-in, cookies and every token stop working at once; roles and
/// history stay. For a compromised or departed staff account.
/// </summary>
[Allow(Role.Admin)]
public sealed record DeactivateUser(string Username) : IRequest<Outcome<UserActivity>>, IValidated
{
    public IEnumerable<FieldError> Validate() => Check.Text("username", Username, 64);
}

/// <summary>Lets a deactivated user sign in again (system administrators).</summary>
[Allow(Role.Admin)]
public sealed record ReactivateUser(string Username) : IRequest<Outcome<UserActivity>>, IValidated
{
    public IEnumerable<FieldError> Validate() => Check.Text("username", Username, 64);
}

sealed class SetUserActiveHandler(UnitOfWork work) : IRequestHandler<DeactivateUser, Outcome<UserActivity>>, IRequestHandler<ReactivateUser, Outcome<UserActivity>>
{
    private const string SetActive = "UPDATE users SET is_active = @active WHERE username = @username";

    public Task<Outcome<UserActivity>> Handle(DeactivateUser request, CancellationToken ct) => SetAsync(request.Username, false, ct);

    public Task<Outcome<UserActivity>> Handle(ReactivateUser request, CancellationToken ct) => SetAsync(request.Username, true, ct);

    private async Task<Outcome<UserActivity>> SetAsync(string username, bool active, CancellationToken ct)
    {
        var normalized = UserStore.NormalizeUsername(username);
        var changed = await work.ExecuteAsync(SetActive, new { active, username = normalized }, ct);
        return changed > 0 ? new UserActivity(normalized, active) : new Failure("user_not_found", $"no user '{normalized}'");
    }
}
