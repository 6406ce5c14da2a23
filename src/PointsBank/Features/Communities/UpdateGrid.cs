using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Renames a grid; names stay unique in the community. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record UpdateGrid([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long GridId, string Name) : IRequest<Outcome<GridView>>, IValidated, IGridScoped
{
    long? IGridScoped.GridId => GridId;

    public IEnumerable<FieldError> Validate() => GridFields.Validate(Name);
}

sealed class UpdateGridHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<UpdateGrid, Outcome<GridView>>
{
    private const string NameTaken = "SELECT COUNT(*) FROM grids WHERE community_id = @communityId AND name = @name AND id <> @id";

    private const string Update = "UPDATE grids SET name = @name WHERE id = @id AND community_id = @communityId";

    public Task<Outcome<GridView>> Handle(UpdateGrid request, CancellationToken ct)
    {
        var args = new { id = request.GridId, communityId = request.CommunityId, name = request.Name.Trim() };
        return Roster.ChangeAsync<GridView>(new RosterWrite(work, callers.Current.Actor), Roster.Grids,
            request.CommunityId, request.GridId, RosterChange.Update,
            async (connection, tx, _) => await connection.ExecuteScalarAsync<long>(new CommandDefinition(NameTaken, args, tx, cancellationToken: ct)) > 0
                ? new Failure("grid_name_exists", $"community {request.CommunityId} already has a grid named '{args.name}'")
                : null,
            Update, args, ct);
    }
}
