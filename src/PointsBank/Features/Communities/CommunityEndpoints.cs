using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record NewCommunityBody(string Code, string Name, string? TimeZone, string? AccountMode, string? PenaltyPolicy);

/// <summary>The community's editable settings, all of them (PUT replaces).</summary>
public sealed record CommunityBody(string? Name, string? TimeZone, string? AccountMode, string? PenaltyPolicy);

public sealed record GridBody(string? Name);

public sealed record HouseholdBody(long? GridId, string? Code, string? Address);

public sealed record ResidentBody(long? HouseholdId, string? FullName, string? Phone);

public sealed record ShopBody(string? Name);

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

        // The community itself is mapped from the collection, so its route has no trailing slash.
        MapCommunity(routes.MapGroup("/api/v1/communities").WithTags("Communities"));
        var community = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Communities");
        MapGrids(community);
        MapHouseholds(community);
        MapResidents(community);
        MapShops(community);

        community.MapGet("/changes", async Task<Results<Ok<RosterPage<EntityChange>>, ProblemHttpResult>> (long communityId, string? entity,
                long? entityId, int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetChangeHistory(communityId, entity, entityId, page ?? 1,
                    pageSize ?? Paging.DefaultPageSize), ct)))
            .Sends<GetChangeHistory>()
            .WithSummary("History of roster changes, newest first, with each row before and after (filter by entity and entityId)");
    }

    private static void MapCommunity(RouteGroupBuilder communities)
    {
        communities.MapGet("/{communityId:long}", async Task<Results<Ok<CommunityView>, ProblemHttpResult>> (long communityId, IMediator sender, HttpContext http,
                CancellationToken ct) => Problems.Reply(http, await sender.Send(new GetCommunity(communityId), ct)))
            .Sends<GetCommunity>()
            .WithSummary("The community's settings");

        communities.MapPut("/{communityId:long}", async Task<Results<Ok<CommunityView>, ProblemHttpResult>> (long communityId, CommunityBody body, IMediator sender,
                HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new UpdateCommunity(communityId, body.Name ?? "", body.TimeZone ?? "",
                    body.AccountMode ?? "", body.PenaltyPolicy ?? ""), ct)))
            .Sends<UpdateCommunity>()
            .WithSummary("Replace the community's name, time zone, account mode and penalty policy");

        communities.MapPost("/{communityId:long}/deactivate", async Task<Results<Ok<CommunityView>, ProblemHttpResult>> (long communityId, IMediator sender,
                HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new DeactivateCommunity(communityId), ct)))
            .Sends<DeactivateCommunity>()
            .WithSummary("Deactivate the community: it stays readable but takes no new grids, households, residents or shops");

        communities.MapPost("/{communityId:long}/reactivate", async Task<Results<Ok<CommunityView>, ProblemHttpResult>> (long communityId, IMediator sender,
                HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new ReactivateCommunity(communityId), ct)))
            .Sends<ReactivateCommunity>()
            .WithSummary("Reactivate a deactivated community");
    }

    private static void MapGrids(RouteGroupBuilder community)
    {
        community.MapGet("/grids", async Task<Results<Ok<RosterPage<GridView>>, ProblemHttpResult>> (long communityId, bool? includeInactive,
                int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ListGrids(communityId, includeInactive ?? false, page ?? 1,
                    pageSize ?? Paging.DefaultPageSize), ct)))
            .Sends<ListGrids>()
            .WithSummary("Grids (active only unless includeInactive; paged, pageSize at most 100)");

        community.MapGet("/grids/{gridId:long}", async Task<Results<Ok<GridView>, ProblemHttpResult>> (long communityId, long gridId,
                IMediator sender, HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new GetGrid(communityId, gridId), ct)))
            .Sends<GetGrid>()
            .WithSummary("One grid");

        community.MapPost("/grids", async Task<Results<Created<GridAdded>, ProblemHttpResult>> (long communityId, GridBody body, IMediator sender,
                HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new AddGrid(communityId, body.Name ?? ""), ct),
                    g => $"/api/v1/communities/{communityId}/grids/{g.GridId}"))
            .Sends<AddGrid>()
            .WithSummary("Add a grid (网格)");

        community.MapPut("/grids/{gridId:long}", async Task<Results<Ok<GridView>, ProblemHttpResult>> (long communityId, long gridId, GridBody body,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new UpdateGrid(communityId, gridId, body.Name ?? ""), ct)))
            .Sends<UpdateGrid>()
            .WithSummary("Rename a grid");

        community.MapPost("/grids/{gridId:long}/deactivate", async Task<Results<Ok<GridView>, ProblemHttpResult>> (long communityId, long gridId,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new DeactivateGrid(communityId, gridId), ct)))
            .Sends<DeactivateGrid>()
            .WithSummary("Deactivate a grid: it takes no new households");

        community.MapPost("/grids/{gridId:long}/reactivate", async Task<Results<Ok<GridView>, ProblemHttpResult>> (long communityId, long gridId,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ReactivateGrid(communityId, gridId), ct)))
            .Sends<ReactivateGrid>()
            .WithSummary("Reactivate a grid");
    }

    private static void MapHouseholds(RouteGroupBuilder community)
    {
        community.MapGet("/households", async Task<Results<Ok<RosterPage<HouseholdView>>, ProblemHttpResult>> (long communityId, long? gridId,
                bool? includeInactive, int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ListHouseholds(communityId, gridId, includeInactive ?? false, page ?? 1,
                    pageSize ?? Paging.DefaultPageSize), ct)))
            .Sends<ListHouseholds>()
            .WithSummary("Households by door-plate code, optionally of one grid (active only unless includeInactive; paged)");

        community.MapGet("/households/{householdId:long}", async Task<Results<Ok<HouseholdView>, ProblemHttpResult>> (long communityId,
                long householdId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetHousehold(communityId, householdId), ct)))
            .Sends<GetHousehold>()
            .WithSummary("One household");

        community.MapPost("/households", async Task<Results<Created<HouseholdAdded>, ProblemHttpResult>> (long communityId, HouseholdBody body,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new AddHousehold(communityId, body.GridId, body.Code ?? "", body.Address ?? ""), ct),
                    h => $"/api/v1/communities/{communityId}/households/{h.HouseholdId}"))
            .Sends<AddHousehold>()
            .WithSummary("Add a household (户) with its door-plate code, optionally in an active grid");

        community.MapPut("/households/{householdId:long}", async Task<Results<Ok<HouseholdView>, ProblemHttpResult>> (long communityId,
                long householdId, HouseholdBody body, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new UpdateHousehold(communityId, householdId, body.GridId, body.Code ?? "",
                    body.Address ?? ""), ct)))
            .Sends<UpdateHousehold>()
            .WithSummary("Replace a household's grid, code and address");

        community.MapPost("/households/{householdId:long}/deactivate", async Task<Results<Ok<HouseholdView>, ProblemHttpResult>> (long communityId,
                long householdId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new DeactivateHousehold(communityId, householdId), ct)))
            .Sends<DeactivateHousehold>()
            .WithSummary("Deactivate a household: it stays, but takes no new residents");

        community.MapPost("/households/{householdId:long}/reactivate", async Task<Results<Ok<HouseholdView>, ProblemHttpResult>> (long communityId,
                long householdId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ReactivateHousehold(communityId, householdId), ct)))
            .Sends<ReactivateHousehold>()
            .WithSummary("Reactivate a household (its grid must be active)");
    }

    private static void MapResidents(RouteGroupBuilder community)
    {
        community.MapGet("/residents", async Task<Results<Ok<RosterPage<ResidentView>>, ProblemHttpResult>> (long communityId, long? gridId,
                long? householdId, bool? includeInactive, int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ListResidents(communityId, gridId, householdId, includeInactive ?? false, page ?? 1,
                    pageSize ?? Paging.DefaultPageSize), ct)))
            .Sends<ListResidents>()
            .WithSummary("Residents, optionally of one grid or household; names masked and phones withheld except for committee and admins");

        community.MapGet("/residents/{residentId:long}", async Task<Results<Ok<ResidentView>, ProblemHttpResult>> (long communityId,
                long residentId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetResident(communityId, residentId), ct)))
            .Sends<GetResident>()
            .WithSummary("One resident; name masked and phone withheld except for committee and admins");

        community.MapPost("/residents", async Task<Results<Created<ResidentAdded>, ProblemHttpResult>> (long communityId, ResidentBody body,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new AddResident(communityId, body.HouseholdId, body.FullName ?? "", body.Phone), ct),
                    r => $"/api/v1/communities/{communityId}/residents/{r.ResidentId}"))
            .Sends<AddResident>()
            .WithSummary("Add a resident (居民), optionally to an active household");

        community.MapPut("/residents/{residentId:long}", async Task<Results<Ok<ResidentView>, ProblemHttpResult>> (long communityId,
                long residentId, ResidentBody body, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new UpdateResident(communityId, residentId, body.HouseholdId, body.FullName ?? "",
                    body.Phone), ct)))
            .Sends<UpdateResident>()
            .WithSummary("Replace a resident's household, full name and phone");

        community.MapPost("/residents/{residentId:long}/deactivate", async Task<Results<Ok<ResidentView>, ProblemHttpResult>> (long communityId,
                long residentId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new DeactivateResident(communityId, residentId), ct)))
            .Sends<DeactivateResident>()
            .WithSummary("Deactivate a resident (never deleted)");

        community.MapPost("/residents/{residentId:long}/reactivate", async Task<Results<Ok<ResidentView>, ProblemHttpResult>> (long communityId,
                long residentId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ReactivateResident(communityId, residentId), ct)))
            .Sends<ReactivateResident>()
            .WithSummary("Reactivate a resident (their household must be active)");
    }

    private static void MapShops(RouteGroupBuilder community)
    {
        community.MapGet("/shops", async Task<Results<Ok<RosterPage<ShopView>>, ProblemHttpResult>> (long communityId, bool? includeInactive,
                int? page, int? pageSize, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ListShops(communityId, includeInactive ?? false, page ?? 1,
                    pageSize ?? Paging.DefaultPageSize), ct)))
            .Sends<ListShops>()
            .WithSummary("Shops (active only unless includeInactive; paged, pageSize at most 100)");

        community.MapGet("/shops/{shopId:long}", async Task<Results<Ok<ShopView>, ProblemHttpResult>> (long communityId, long shopId,
                IMediator sender, HttpContext http, CancellationToken ct) => Problems.Reply(http, await sender.Send(new GetShop(communityId, shopId), ct)))
            .Sends<GetShop>()
            .WithSummary("One shop");

        community.MapPost("/shops", async Task<Results<Created<ShopAdded>, ProblemHttpResult>> (long communityId, ShopBody body, IMediator sender,
                HttpContext http, CancellationToken ct) =>
                Problems.Created(http, await sender.Send(new AddShop(communityId, body.Name ?? ""), ct),
                    s => $"/api/v1/communities/{communityId}/shops/{s.ShopId}"))
            .Sends<AddShop>()
            .WithSummary("Add a shop (积分超市 or 爱心商家)");

        community.MapPut("/shops/{shopId:long}", async Task<Results<Ok<ShopView>, ProblemHttpResult>> (long communityId, long shopId, ShopBody body,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new UpdateShop(communityId, shopId, body.Name ?? ""), ct)))
            .Sends<UpdateShop>()
            .WithSummary("Rename a shop");

        community.MapPost("/shops/{shopId:long}/deactivate", async Task<Results<Ok<ShopView>, ProblemHttpResult>> (long communityId, long shopId,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new DeactivateShop(communityId, shopId), ct)))
            .Sends<DeactivateShop>()
            .WithSummary("Deactivate a shop");

        community.MapPost("/shops/{shopId:long}/reactivate", async Task<Results<Ok<ShopView>, ProblemHttpResult>> (long communityId, long shopId,
                IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new ReactivateShop(communityId, shopId), ct)))
            .Sends<ReactivateShop>()
            .WithSummary("Reactivate a shop");
    }
}
