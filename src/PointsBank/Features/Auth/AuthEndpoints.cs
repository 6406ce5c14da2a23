using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

internal static class AuthEndpoints
{
    internal static void MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1").WithTags("Auth");

        group.MapCommand<CreateToken>("/auth/token", Reply.Created("/api/v1/me/tokens"))
            .RequireRateLimiting(WebSetup.SignInLimit)
            .NoStore()
            .WithSummary("Exchange username and password for an API token (shown once; rate limited; five wrong passwords lock the account)");

        group.MapQuery<GetMe>("/me").WithSummary("The signed-in user and their roles");

        group.MapQuery<ListMyTokens>("/me/tokens").WithSummary("The caller's API tokens");

        group.MapCommand<RevokeMyToken>("/me/tokens/{tokenId:long}", method: HttpMethods.Delete).WithSummary("Revoke one of the caller's tokens");
    }
}
