using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Deactivates a shop (a partner merchant leaves the scheme): the row and its history stay. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record DeactivateShop(long CommunityId, long ShopId) : IRequest<Outcome<ShopView>>, ICommunityScoped;

sealed class DeactivateShopHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<DeactivateShop, Outcome<ShopView>>
{
    public Task<Outcome<ShopView>> Handle(DeactivateShop request, CancellationToken ct) =>
        Roster.SetActiveAsync<ShopView>(new RosterWrite(work, callers.Current.Actor), Roster.Shops,
            request.CommunityId, request.ShopId, active: false, ct);
}
