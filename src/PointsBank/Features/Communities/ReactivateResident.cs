using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Reactivates a resident. Coming back counts as joining their household, so a resident of a deactivated household
/// must first be moved to an active household (or to none). Committee and admins.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record ReactivateResident(long CommunityId, long ResidentId) : IRequest<Outcome<ResidentView>>, ICommunityScoped;

sealed class ReactivateResidentHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<ReactivateResident, Outcome<ResidentView>>
{
    public async Task<Outcome<ResidentView>> Handle(ReactivateResident request, CancellationToken ct)
    {
        var changed = await Roster.SetActiveAsync<ResidentRow>(new RosterWrite(work, callers.Current.Actor),
            Roster.Residents, request.CommunityId, request.ResidentId, active: true, ct,
            async (connection, tx, before) => before.HouseholdId is { } householdId
                ? await Roster.HouseholdAcceptsAsync(connection, tx, request.CommunityId, householdId, ct)
                : null);
        return changed.Succeeded ? changed.Value!.View(PersonalData.Visible(callers.Current, request.CommunityId)) : changed.Failure!;
    }
}
