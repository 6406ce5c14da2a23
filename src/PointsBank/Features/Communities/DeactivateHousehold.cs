using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Deactivates a household (moved away, merged, 销户): it stays, with its history and account, but takes no new
/// residents. Its residents keep their own state. Committee and admins.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record DeactivateHousehold(long CommunityId, long HouseholdId) : IRequest<Outcome<HouseholdView>>, ICommunityScoped;

sealed class DeactivateHouseholdHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<DeactivateHousehold, Outcome<HouseholdView>>
{
    public Task<Outcome<HouseholdView>> Handle(DeactivateHousehold request, CancellationToken ct) =>
        Roster.SetActiveAsync<HouseholdView>(new RosterWrite(work, callers.Current.Actor), Roster.Households,
            request.CommunityId, request.HouseholdId, active: false, ct);
}
