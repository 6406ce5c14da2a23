using PointsBank.Infrastructure;

namespace PointsBank.Features.Inspections;

internal static class InspectionsEndpoints
{
    internal static RouteGroupBuilder MapInspections(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Inspections");

        group.MapCommand<RecordInspections>("/inspections")
            .WithSummary("卫生检查: grade the households of a grid for a month under a graded rule, one award each, all or nothing; " +
                         "the same grading again replays (Idempotency-Key required)");

        return group;
    }
}
