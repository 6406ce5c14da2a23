using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

public sealed record NewUserBody(string Username, string DisplayName, string Password);

public sealed record CommunityUserBody(string Username, string DisplayName, string Password, string Role, long? GridId, long? ShopId);

public sealed record RoleBody(string Username, string Role, long? GridId, long? ShopId);

internal static class UsersEndpoints
{
    internal static void MapUsers(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/users", async Task<Results<Created<UserCreated>, ProblemHttpResult>> (NewUserBody body, IMediator sender,
                HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new CreateUser(body.Username, body.DisplayName, body.Password), ct), _ => "/api/v1/me"))
            .Sends<CreateUser>().WithTags("Users")
            .WithSummary("Create a user without roles (system administrators)");

        routes.MapPost("/api/v1/users/{username}/deactivate", async Task<Results<Ok<UserActivity>, ProblemHttpResult>> (string username,
                IMediator sender, HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new DeactivateUser(username), ct)))
            .Sends<DeactivateUser>().WithTags("Users")
            .WithSummary("Deactivate a user: sign-in and every token stop at once (system administrators)");

        routes.MapPost("/api/v1/users/{username}/reactivate", async Task<Results<Ok<UserActivity>, ProblemHttpResult>> (string username,
                IMediator sender, HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new ReactivateUser(username), ct)))
            .Sends<ReactivateUser>().WithTags("Users")
            .WithSummary("Let a deactivated user sign in again (system administrators)");

        var community = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Users");

        community.MapGet("/users", async Task<Results<Ok<IReadOnlyList<CommunityUser>>, ProblemHttpResult>> (long communityId, IMediator sender,
                HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new ListCommunityUsers(communityId), ct)))
            .Sends<ListCommunityUsers>()
            .WithSummary("Users holding roles in the community");

        community.MapPost("/users", async Task<Results<Created<UserCreated>, ProblemHttpResult>> (long communityId, CommunityUserBody body,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new AddCommunityUser(communityId, body.Username, body.DisplayName, body.Password,
                    body.Role, body.GridId, body.ShopId), ct), _ => $"/api/v1/communities/{communityId}/users"))
            .Sends<AddCommunityUser>()
            .WithSummary("Create a staff user with a role in the community");

        community.MapPost("/roles", async Task<Results<Ok<RoleChanged>, ProblemHttpResult>> (long communityId, RoleBody body, IMediator sender,
                HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GrantRole(communityId, body.Username, body.Role, body.GridId, body.ShopId), ct)))
            .Sends<GrantRole>()
            .WithSummary("Grant an existing user a role in the community");

        community.MapDelete("/roles/{username}/{role}", async Task<Results<Ok<RoleChanged>, ProblemHttpResult>> (long communityId, string username,
                string role, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new RevokeRole(communityId, username, role), ct)))
            .Sends<RevokeRole>()
            .WithSummary("Revoke a user's role in the community");
    }
}
