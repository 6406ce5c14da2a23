using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Audit;

internal static class AuditEndpoints
{
    internal static void MapAudit(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/audit", async Task<Results<Ok<AuditPage>, ProblemHttpResult>> (long? communityId, string? actor, string? action,
                int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetInstallationAuditLog(communityId, actor, action, page ?? 1, pageSize ?? 50), ct)))
            .Sends<GetInstallationAuditLog>()
            .WithTags("Audit")
            .WithSummary("The whole installation's audit log, incl. sign-in attempts (system administrators)");

        routes.MapGet("/api/v1/communities/{communityId:long}/audit", async Task<Results<Ok<AuditPage>, ProblemHttpResult>> (long communityId,
                string? actor, string? action, int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetAuditLog(communityId, actor, action, page ?? 1, pageSize ?? 50), ct)))
            .Sends<GetAuditLog>()
            .WithTags("Audit")
            .WithSummary("Audit log of writes and denied attempts, newest first (filter by actor and action; pageSize at most 100)");
    }
}
