using PointsBank.Infrastructure;

namespace PointsBank.Features.Audit;

internal static class AuditEndpoints
{
    internal static void MapAudit(this IEndpointRouteBuilder routes)
    {
        routes.MapQuery<GetInstallationAuditLog>("/api/v1/audit")
            .WithTags("Audit")
            .WithSummary("The whole installation's audit log, incl. sign-in attempts (system administrators)");

        routes.MapQuery<GetAuditLog>("/api/v1/communities/{communityId:long}/audit")
            .WithTags("Audit")
            .WithSummary("Audit log of writes and denied attempts, newest first (filter by actor and action; pageSize at most 100)");
    }
}
