using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages;

/// <summary>The names of the grids and shops the caller's roles are tied to, for the home page's cards.</summary>
public sealed record MyPlaces(IReadOnlyDictionary<long, string> Grids, IReadOnlyDictionary<long, string> Shops);

/// <summary>Names of the grids an inspector is limited to and the shops a shopkeeper is bound to: only the caller's own.</summary>
[Allow(Role.Admin, Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer, Role.Shopkeeper)]
public sealed record GetMyPlaces : IRequest<Outcome<MyPlaces>>, IQuery;

sealed class GetMyPlacesHandler(CallerContext callers, DbDataSource db) : IRequestHandler<GetMyPlaces, Outcome<MyPlaces>>
{
    private const string MyGrids = """
        SELECT g.id AS Id, g.name AS Name
          FROM user_roles r JOIN grids g ON g.id = r.grid_id
         WHERE r.user_id = @userId AND r.revoked_at IS NULL
        """;

    private const string MyShops = """
        SELECT s.id AS Id, s.name AS Name
          FROM user_roles r JOIN shops s ON s.id = r.shop_id
         WHERE r.user_id = @userId AND r.revoked_at IS NULL
        """;

    private sealed record NameRow(long Id, string Name);

    public async Task<Outcome<MyPlaces>> Handle(GetMyPlaces request, CancellationToken ct)
    {
        var userId = callers.Current.UserId!.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        var grids = await connection.QueryAsync<NameRow>(new CommandDefinition(MyGrids, new { userId }, cancellationToken: ct));
        var shops = await connection.QueryAsync<NameRow>(new CommandDefinition(MyShops, new { userId }, cancellationToken: ct));
        return new MyPlaces(grids.DistinctBy(r => r.Id).ToDictionary(r => r.Id, r => r.Name), shops.DistinctBy(r => r.Id).ToDictionary(r => r.Id, r => r.Name));
    }
}
