using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Reactivates a deactivated shop. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record ReactivateShop(long CommunityId, long ShopId) : IRequest<Outcome<ShopView>>, ICommunityScoped;

sealed class ReactivateShopHandler(DbDataSource db, SqlDialect dialect, CallerContext callers, TimeProvider clock)
    : IRequestHandler<ReactivateShop, Outcome<ShopView>>
{
    public Task<Outcome<ShopView>> Handle(ReactivateShop request, CancellationToken ct) =>
        Roster.SetActiveAsync<ShopView>(new RosterWrite(db, dialect, callers.Current.Actor, Clock.Now(clock)), Roster.Shops,
            request.CommunityId, request.ShopId, active: true, ct);
}
