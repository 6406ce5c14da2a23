using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Deactivates a grid: it takes no new households. Its households stay where they are, active, until each is moved
/// or deactivated on its own. Committee and admins.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record DeactivateGrid(long CommunityId, long GridId) : IRequest<Outcome<GridView>>, IGridScoped
{
    long? IGridScoped.GridId => GridId;
}

sealed class DeactivateGridHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<DeactivateGrid, Outcome<GridView>>
{
    public Task<Outcome<GridView>> Handle(DeactivateGrid request, CancellationToken ct) =>
        Roster.SetActiveAsync<GridView>(new RosterWrite(work, callers.Current.Actor), Roster.Grids,
            request.CommunityId, request.GridId, active: false, ct);
}
