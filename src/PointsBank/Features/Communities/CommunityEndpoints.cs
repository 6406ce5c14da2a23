using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record NewCommunityBody(string Code, string Name, string? TimeZone, string? AccountMode, string? PenaltyPolicy);

internal static class CommunityEndpoints
{
    internal static void MapCommunities(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/communities", async Task<Results<Created<CommunityCreated>, ProblemHttpResult>> (NewCommunityBody body,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new CreateCommunity(body.Code, body.Name, body.TimeZone ?? "Asia/Shanghai",
                    body.AccountMode ?? "household", body.PenaltyPolicy ?? "cap"), ct), c => $"/api/v1/communities/{c.CommunityId}"))
            .Sends<CreateCommunity>()
            .WithTags("Communities")
            .WithSummary("Create a community with its chain head and system accounts (system administrators)");
    }
}
