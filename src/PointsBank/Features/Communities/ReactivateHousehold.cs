using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Reactivates a household. Coming back counts as joining its grid, so a household of a deactivated grid must first
/// be moved to an active grid (or to none). Committee and admins.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record ReactivateHousehold(long CommunityId, long HouseholdId) : IRequest<Outcome<HouseholdView>>, ICommunityScoped;

sealed class ReactivateHouseholdHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<ReactivateHousehold, Outcome<HouseholdView>>
{
    public Task<Outcome<HouseholdView>> Handle(ReactivateHousehold request, CancellationToken ct) =>
        Roster.SetActiveAsync<HouseholdView>(new RosterWrite(work, callers.Current.Actor), Roster.Households,
            request.CommunityId, request.HouseholdId, active: true, ct,
            async (connection, tx, before) => before.GridId is { } gridId
                ? await Roster.GridAcceptsAsync(connection, tx, request.CommunityId, gridId, ct)
                : null);
}
