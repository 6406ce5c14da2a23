using PointsBank.Infrastructure;

namespace PointsBank.Features.Township;

internal static class TownshipEndpoints
{
    internal static RouteGroupBuilder MapTownship(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1").WithTags("Township");

        group.MapReport<GetTownshipSummary>("/township")
            .WithSummary("镇/街道概况 (?month=yyyy-MM): each community the caller oversees (township role) — participation, points issued, redeemed, deducted, goods donated — ranked; totals only, no personal data; &format=csv");

        return group;
    }
}
