using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record GridAdded(long GridId);

/// <summary>Adds a grid (网格), the area a grid worker looks after. Names are unique in the community.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddGrid([property: JsonIgnore] long CommunityId, string Name, [property: JsonIgnore] string? IdempotencyKey = null)
    : IRequest<Outcome<GridAdded>>, IValidated, ICommunityScoped, IIdempotent
{
    /// <summary>Optional here: a client that may retry sends one so the retry creates nothing twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => GridFields.Validate(Name);
}

/// <summary>The rules of a grid's fields, shared by adding, renaming and the roster import.</summary>
internal static class GridFields
{
    public static IEnumerable<FieldError> Validate(string name) => Check.Text("name", name, 200);
}

sealed class AddGridHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<AddGrid, Outcome<GridAdded>>
{
    private const string NameTaken = "SELECT COUNT(*) FROM grids WHERE community_id = @communityId AND name = @name";

    private static readonly DialectSql Insert = new(
        Sqlite: "INSERT INTO grids (community_id, name, is_active, created_at) VALUES (@communityId, @name, 1, @now) RETURNING id",
        SqlServer: "INSERT INTO grids (community_id, name, is_active, created_at) VALUES (@communityId, @name, 1, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);");

    public async Task<Outcome<GridAdded>> Handle(AddGrid request, CancellationToken ct)
    {
        var write = new RosterWrite(work, callers.Current.Actor);
        var args = new { communityId = request.CommunityId, name = request.Name.Trim(), now = write.Now };
        var created = await Roster.CreateAsync<GridView>(write, Roster.Grids, request.CommunityId,
            async (connection, tx) => await connection.ExecuteScalarAsync<long>(new CommandDefinition(NameTaken, args, tx, cancellationToken: ct)) > 0
                ? new Failure("grid_name_exists", $"community {request.CommunityId} already has a grid named '{args.name}'")
                : null,
            Insert, args, ct);
        return created.Succeeded ? new GridAdded(created.Value!.Id) : created.Failure!;
    }
}
