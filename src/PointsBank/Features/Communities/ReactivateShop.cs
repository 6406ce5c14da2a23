using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Reactivates a deactivated shop. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record ReactivateShop(long CommunityId, long ShopId) : IRequest<Outcome<ShopView>>, ICommunityScoped;

sealed class ReactivateShopHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<ReactivateShop, Outcome<ShopView>>
{
    public Task<Outcome<ShopView>> Handle(ReactivateShop request, CancellationToken ct) =>
        Roster.SetActiveAsync<ShopView>(new RosterWrite(work, callers.Current.Actor), Roster.Shops,
            request.CommunityId, request.ShopId, active: true, ct);
}
