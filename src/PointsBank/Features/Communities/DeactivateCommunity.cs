using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Deactivates a community: nothing is deleted and everything stays readable, but it takes no new grids,
/// households, residents or shops. Admins: a system administrator, or the community's own admin (who is trusted
/// with its users and keys anyway, and can reactivate it; the change history records who did it).
/// </summary>
[Allow(Role.Admin)]
public sealed record DeactivateCommunity(long CommunityId) : IRequest<Outcome<CommunityView>>, ICommunityScoped;

sealed class DeactivateCommunityHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<DeactivateCommunity, Outcome<CommunityView>>
{
    public Task<Outcome<CommunityView>> Handle(DeactivateCommunity request, CancellationToken ct) =>
        Roster.SetActiveAsync<CommunityView>(new RosterWrite(work, callers.Current.Actor), Roster.Communities,
            request.CommunityId, request.CommunityId, active: false, ct);
}
