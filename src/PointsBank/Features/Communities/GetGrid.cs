using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>One grid, active or not. Every role of the community.</summary>
[AnyStaff]
public sealed record GetGrid(long CommunityId, long GridId) : IRequest<Outcome<GridView>>, IQuery, IGridScoped
{
    long? IGridScoped.GridId => GridId;
}

sealed class GetGridHandler(DbDataSource db) : IRequestHandler<GetGrid, Outcome<GridView>>
{
    private const string Select = """
        SELECT id AS Id, name AS Name, is_active AS IsActive, created_at AS CreatedAt
          FROM grids WHERE id = @gridId AND community_id = @communityId
        """;

    public async Task<Outcome<GridView>> Handle(GetGrid request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var grid = await connection.QuerySingleOrDefaultAsync<GridView>(new CommandDefinition(Select,
            new { gridId = request.GridId, communityId = request.CommunityId }, cancellationToken: ct));
        return grid is null ? new Failure("grid_not_found", $"grid {request.GridId} does not exist in community {request.CommunityId}") : grid;
    }
}
