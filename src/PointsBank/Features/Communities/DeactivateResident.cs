using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Deactivates a resident (moved away, deceased): the row, its history and its entries stay. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record DeactivateResident(long CommunityId, long ResidentId) : IRequest<Outcome<ResidentView>>, ICommunityScoped;

sealed class DeactivateResidentHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<DeactivateResident, Outcome<ResidentView>>
{
    public async Task<Outcome<ResidentView>> Handle(DeactivateResident request, CancellationToken ct)
    {
        var changed = await Roster.SetActiveAsync<ResidentRow>(new RosterWrite(work, callers.Current.Actor),
            Roster.Residents, request.CommunityId, request.ResidentId, active: false, ct);
        return changed.Succeeded ? changed.Value!.View(PersonalData.Visible(callers.Current, request.CommunityId)) : changed.Failure!;
    }
}
