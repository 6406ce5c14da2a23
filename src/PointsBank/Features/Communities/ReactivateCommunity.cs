using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Reactivates a deactivated community. Admins of the community, and system administrators.</summary>
[Allow(Role.Admin)]
public sealed record ReactivateCommunity(long CommunityId) : IRequest<Outcome<CommunityView>>, ICommunityScoped;

sealed class ReactivateCommunityHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<ReactivateCommunity, Outcome<CommunityView>>
{
    public Task<Outcome<CommunityView>> Handle(ReactivateCommunity request, CancellationToken ct) =>
        Roster.SetActiveAsync<CommunityView>(new RosterWrite(work, callers.Current.Actor), Roster.Communities,
            request.CommunityId, request.CommunityId, active: true, ct);
}
