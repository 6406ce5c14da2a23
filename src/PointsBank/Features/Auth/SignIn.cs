using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

public sealed record SignedIn(long UserId, string Username, string DisplayName);

/// <summary>Checks a username and password for the sign-in page (which then sets the cookie). Audited; locks after five failures.</summary>
[PublicAccess]
public sealed record SignIn(string Username, [property: Secret] string Password) : IRequest<Outcome<SignedIn>>, IValidated, IOutsideUnitOfWork
{
    public IEnumerable<FieldError> Validate() => Check.Text("username", Username, 64).Concat(Check.Text("password", Password, 200));

    internal static Failure Failure(SignInResult result, string username) => result == SignInResult.LockedOut
        ? new Failure("account_locked", $"locked after {UserStore.MaxFailedLogins} wrong passwords; try again in {UserStore.LockoutDuration.TotalMinutes} minutes")
        : new Failure("invalid_credentials", "wrong username or password");
}

sealed class SignInHandler(UserStore users) : IRequestHandler<SignIn, Outcome<SignedIn>>
{
    public async Task<Outcome<SignedIn>> Handle(SignIn request, CancellationToken ct)
    {
        var (result, user) = await users.CheckPasswordAsync(request.Username, request.Password, ct);
        return result == SignInResult.Succeeded
            ? new SignedIn(user!.Id, user.Username, user.DisplayName)
            : SignIn.Failure(result, request.Username);
    }
}
