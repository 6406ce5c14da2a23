using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

public sealed record TokenBody(string Username, string Password, string? Name, int? Days);

internal static class AuthEndpoints
{
    internal static void MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1").WithTags("Auth");

        group.MapPost("/auth/token", async Task<Results<Created<NewToken>, ProblemHttpResult>> (TokenBody body, IMediator sender, HttpContext http,
                CancellationToken ct) =>
            {
                var outcome = await sender.Send(new CreateToken(body.Username, body.Password, body.Name ?? "api", body.Days), ct);
                return outcome.Succeeded ? TypedResults.Created("/api/v1/me/tokens", outcome.Value!) : Problems.Result(http, outcome.Failure!);
            })
            .Sends<CreateToken>()
            .RequireRateLimiting(WebSetup.SignInLimit)
            .WithSummary("Exchange username and password for an API token (shown once; rate limited; five wrong passwords lock the account)");

        group.MapGet("/me", async Task<Results<Ok<MeView>, ProblemHttpResult>> (IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetMe(), ct)))
            .Sends<GetMe>()
            .WithSummary("The signed-in user and their roles");

        group.MapGet("/me/tokens", async Task<Results<Ok<IReadOnlyList<TokenInfo>>, ProblemHttpResult>> (IMediator sender, HttpContext http,
                CancellationToken ct) => Problems.Reply(http, await sender.Send(new ListMyTokens(), ct)))
            .Sends<ListMyTokens>()
            .WithSummary("The caller's API tokens");

        group.MapDelete("/me/tokens/{tokenId:long}", async Task<Results<Ok<TokenRevoked>, ProblemHttpResult>> (long tokenId, IMediator sender,
                HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new RevokeMyToken(tokenId), ct)))
            .Sends<RevokeMyToken>()
            .WithSummary("Revoke one of the caller's tokens");
    }
}
