using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record ShopAdded(long ShopId);

/// <summary>Adds a shop: the community points supermarket (积分超市) or a partner merchant (爱心商家).</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddShop(long CommunityId, string Name) : IRequest<Outcome<ShopAdded>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Check.Text(nameof(Name), Name, 200);
}

sealed class AddShopHandler(DbDataSource db, SqlDialect dialect, TimeProvider clock) : IRequestHandler<AddShop, Outcome<ShopAdded>>
{
    private static readonly DialectSql Insert = new(
        Sqlite: "INSERT INTO shops (community_id, name, is_active, created_at) VALUES (@communityId, @name, 1, @now) RETURNING id",
        SqlServer: "INSERT INTO shops (community_id, name, is_active, created_at) VALUES (@communityId, @name, 1, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);");

    public async Task<Outcome<ShopAdded>> Handle(AddShop request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await Roster.CommunityExistsAsync(connection, request.CommunityId, ct))
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Pick(Insert),
            new { communityId = request.CommunityId, name = request.Name.Trim(), now = Clock.Now(clock) }, cancellationToken: ct));
        return new ShopAdded(id);
    }
}
