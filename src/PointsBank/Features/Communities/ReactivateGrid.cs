using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Reactivates a deactivated grid. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record ReactivateGrid(long CommunityId, long GridId) : IRequest<Outcome<GridView>>, IGridScoped
{
    long? IGridScoped.GridId => GridId;
}

sealed class ReactivateGridHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<ReactivateGrid, Outcome<GridView>>
{
    public Task<Outcome<GridView>> Handle(ReactivateGrid request, CancellationToken ct) =>
        Roster.SetActiveAsync<GridView>(new RosterWrite(work, callers.Current.Actor), Roster.Grids,
            request.CommunityId, request.GridId, active: true, ct);
}
