using PointsBank.Infrastructure;

namespace PointsBank.Features.Users;

internal static class UsersEndpoints
{
    internal static void MapUsers(this IEndpointRouteBuilder routes)
    {
        routes.MapCommand<CreateUser>("/api/v1/users", Reply.Created("/api/v1/me")).WithTags("Users")
            .WithSummary("Create a user without roles (system administrators)");

        routes.MapCommand<DeactivateUser>("/api/v1/users/{username}/deactivate").WithTags("Users")
            .WithSummary("Deactivate a user: sign-in and every token stop at once (system administrators)");

        routes.MapCommand<ReactivateUser>("/api/v1/users/{username}/reactivate").WithTags("Users")
            .WithSummary("Let a deactivated user sign in again (system administrators)");

        var community = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Users");

        community.MapQuery<ListCommunityUsers>("/users").WithSummary("Users holding roles in the community");

        community.MapCommand<AddCommunityUser>("/users", Reply.Created("/api/v1/communities/{communityId}/users"))
            .WithSummary("Create a staff user with a role in the community");

        community.MapCommand<GrantRole>("/roles").WithSummary("Grant an existing user a role in the community");

        community.MapCommand<RevokeRole>("/roles/{username}/{role}", method: HttpMethods.Delete).WithSummary("Revoke a user's role in the community");
    }
}
