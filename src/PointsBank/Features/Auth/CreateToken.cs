using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

public sealed record NewToken(long TokenId, string Token, DateTime ExpiresAt, string Username);

/// <summary>
/// Exchanges a username and password for an API token. The token is shown once here and stored only hashed.
/// Wrong passwords count towards the lockout; this endpoint is rate limited.
/// </summary>
[PublicAccess]
public sealed record CreateToken(string Username, [property: Secret] string Password, string Name = "api", int? Days = null)
    : IRequest<Outcome<NewToken>>, IOutsideUnitOfWork, IValidated
{
    public IEnumerable<FieldError> Validate() =>
        Check.Text("username", Username, 64).Concat(Check.Text("password", Password, 200)).Concat(Check.Text("name", Name, 100))
            .Concat(Days is { } days ? Check.Range("days", days, 1, (long)Tokens.MaxLifetime.TotalDays) : []);
}

sealed class CreateTokenHandler(UserStore users, Tokens tokens) : IRequestHandler<CreateToken, Outcome<NewToken>>
{
    public async Task<Outcome<NewToken>> Handle(CreateToken request, CancellationToken ct)
    {
        var (result, user) = await users.CheckPasswordAsync(request.Username, request.Password, ct);
        if (result != SignInResult.Succeeded)
        {
            return SignIn.Failure(result, request.Username);
        }
        var issued = await tokens.IssueAsync(user!.Id, request.Name.Trim(),
            request.Days is { } days ? TimeSpan.FromDays(days) : Tokens.DefaultLifetime, ct);
        return new NewToken(issued.Id, issued.Token, issued.ExpiresAt, user.Username);
    }
}
