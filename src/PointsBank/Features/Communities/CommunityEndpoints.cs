using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

internal static class CommunityEndpoints
{
    internal static void MapCommunities(this IEndpointRouteBuilder routes)
    {
        routes.MapCommand<CreateCommunity>("/api/v1/communities", Reply.Created("/api/v1/communities/{communityId}"))
            .WithTags("Communities")
            .WithSummary("Create a community with its chain head and system accounts (system administrators)");

        // The community itself is mapped from the collection, so its route has no trailing slash.
        MapCommunity(routes.MapGroup("/api/v1/communities").WithTags("Communities"));
        var community = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Communities");
        MapGrids(community);
        MapHouseholds(community);
        MapResidents(community);
        MapShops(community);

        community.MapQuery<GetChangeHistory>("/changes")
            .WithSummary("History of roster changes, newest first, with each row before and after (filter by entity and entityId)");

        routes.MapRoster();
    }

    private static void MapCommunity(RouteGroupBuilder communities)
    {
        communities.MapQuery<GetCommunity>("/{communityId:long}").WithSummary("The community's settings");

        communities.MapCommand<UpdateCommunity>("/{communityId:long}", method: HttpMethods.Put)
            .WithSummary("Replace the community's name, time zone, account mode and penalty policy");

        communities.MapCommand<DeactivateCommunity>("/{communityId:long}/deactivate")
            .WithSummary("Deactivate the community: it stays readable but takes no new grids, households, residents or shops");

        communities.MapCommand<ReactivateCommunity>("/{communityId:long}/reactivate").WithSummary("Reactivate a deactivated community");
    }

    private static void MapGrids(RouteGroupBuilder community)
    {
        community.MapQuery<ListGrids>("/grids").WithSummary("Grids (active only unless includeInactive; paged, pageSize at most 100)");

        community.MapQuery<GetGrid>("/grids/{gridId:long}").WithSummary("One grid");

        community.MapCommand<AddGrid>("/grids", Reply.Created("/api/v1/communities/{communityId}/grids/{gridId}")).WithSummary("Add a grid (网格)");

        community.MapCommand<UpdateGrid>("/grids/{gridId:long}", method: HttpMethods.Put).WithSummary("Rename a grid");

        community.MapCommand<DeactivateGrid>("/grids/{gridId:long}/deactivate").WithSummary("Deactivate a grid: it takes no new households");

        community.MapCommand<ReactivateGrid>("/grids/{gridId:long}/reactivate").WithSummary("Reactivate a grid");
    }

    private static void MapHouseholds(RouteGroupBuilder community)
    {
        community.MapQuery<ListHouseholds>("/households")
            .WithSummary("Households by door-plate code, optionally of one grid (active only unless includeInactive; paged)");

        community.MapQuery<GetHousehold>("/households/{householdId:long}").WithSummary("One household");

        community.MapCommand<AddHousehold>("/households", Reply.Created("/api/v1/communities/{communityId}/households/{householdId}"))
            .WithSummary("Add a household (户) with its door-plate code, optionally in an active grid");

        community.MapCommand<UpdateHousehold>("/households/{householdId:long}", method: HttpMethods.Put)
            .WithSummary("Replace a household's grid, code and address");

        community.MapCommand<DeactivateHousehold>("/households/{householdId:long}/deactivate")
            .WithSummary("Deactivate a household: it stays, but takes no new residents");

        community.MapCommand<ReactivateHousehold>("/households/{householdId:long}/reactivate")
            .WithSummary("Reactivate a household (its grid must be active)");
    }

    private static void MapResidents(RouteGroupBuilder community)
    {
        community.MapQuery<ListResidents>("/residents")
            .WithSummary("Residents, optionally of one grid or household; names masked and phones withheld except for committee and admins");

        community.MapQuery<GetResident>("/residents/{residentId:long}")
            .WithSummary("One resident; name masked and phone withheld except for committee and admins");

        community.MapCommand<AddResident>("/residents", Reply.Created("/api/v1/communities/{communityId}/residents/{residentId}"))
            .WithSummary("Add a resident (居民), optionally to an active household");

        community.MapCommand<UpdateResident>("/residents/{residentId:long}", method: HttpMethods.Put)
            .WithSummary("Replace a resident's household, full name and phone");

        community.MapCommand<DeactivateResident>("/residents/{residentId:long}/deactivate").WithSummary("Deactivate a resident (never deleted)");

        community.MapCommand<ReactivateResident>("/residents/{residentId:long}/reactivate")
            .WithSummary("Reactivate a resident (their household must be active)");

        community.MapCommand<EraseResident>("/residents/{residentId:long}/erase")
            .WithSummary("Erase a departed (deactivated) resident's name and phone: placeholder 已注销居民, history redacted, ledger untouched");

        community.MapQuery<ExportResidentData>("/residents/{residentId:long}/export")
            .WithSummary("A resident's own data for them (个人信息保护法): roster rows, change history, accounts with full history, claims, volunteer records, card dates; committee only");
    }

    private static void MapShops(RouteGroupBuilder community)
    {
        community.MapQuery<ListShops>("/shops").WithSummary("Shops (active only unless includeInactive; paged, pageSize at most 100)");

        community.MapQuery<GetShop>("/shops/{shopId:long}").WithSummary("One shop");

        community.MapCommand<AddShop>("/shops", Reply.Created("/api/v1/communities/{communityId}/shops/{shopId}"))
            .WithSummary("Add a shop (积分超市 or 爱心商家)");

        community.MapCommand<UpdateShop>("/shops/{shopId:long}", method: HttpMethods.Put).WithSummary("Rename a shop or change its kind (supermarket 积分超市 | partner 爱心商家)");

        community.MapCommand<DeactivateShop>("/shops/{shopId:long}/deactivate").WithSummary("Deactivate a shop");

        community.MapCommand<ReactivateShop>("/shops/{shopId:long}/reactivate").WithSummary("Reactivate a shop");
    }
}
