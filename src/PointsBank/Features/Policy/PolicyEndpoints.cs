using PointsBank.Infrastructure;

namespace PointsBank.Features.Policy;

internal static class PolicyEndpoints
{
    internal static RouteGroupBuilder MapPolicy(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Policy");

        group.MapQuery<GetPolicy>("/policy").WithSummary("The community's policy: account mode, 公示 window, penalties, year end, yuan per point, back-dating, transfers");

        group.MapCommand<UpdatePolicy>("/policy", method: HttpMethods.Put)
            .WithSummary("Replace the community's policy (every field; the account mode is fixed once the ledger has entries)");

        return group;
    }
}
