using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record ShopAdded(long ShopId);

/// <summary>The kinds of shop (<c>shops.kind</c>).</summary>
public static class ShopKinds
{
    /// <summary>积分超市: the community's own points supermarket, goods priced in points.</summary>
    public const string Supermarket = "supermarket";

    /// <summary>爱心商家: a partner merchant that takes points for an amount.</summary>
    public const string Partner = "partner";

    public static readonly IReadOnlyList<string> All = [Supermarket, Partner];

    public static IEnumerable<FieldError> Check(string? kind)
    {
        if (kind is not null && !All.Contains(kind))
        {
            yield return new FieldError("kind", "须为 supermarket（积分超市）或 partner（爱心商家）", "must be supermarket or partner");
        }
    }
}

/// <summary>
/// Adds a shop: the community points supermarket (积分超市, the default kind) or a partner merchant (爱心商家). Names are
/// unique in the community.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddShop([property: JsonIgnore] long CommunityId, string Name, [property: JsonIgnore] string? IdempotencyKey = null,
    string? Kind = null)
    : IRequest<Outcome<ShopAdded>>, IValidated, ICommunityScoped, IIdempotent
{
    /// <summary>Optional here: a client that may retry sends one so the retry creates nothing twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => Check.Text("name", Name, 200).Concat(ShopKinds.Check(Kind));
}

sealed class AddShopHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<AddShop, Outcome<ShopAdded>>
{
    private const string NameTaken = "SELECT COUNT(*) FROM shops WHERE community_id = @communityId AND name = @name";

    private static readonly DialectSql Insert = new(
        Sqlite: "INSERT INTO shops (community_id, name, kind, is_active, created_at) VALUES (@communityId, @name, @kind, 1, @now) RETURNING id",
        SqlServer: "INSERT INTO shops (community_id, name, kind, is_active, created_at) VALUES (@communityId, @name, @kind, 1, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);");

    public async Task<Outcome<ShopAdded>> Handle(AddShop request, CancellationToken ct)
    {
        var write = new RosterWrite(work, callers.Current.Actor);
        var args = new { communityId = request.CommunityId, name = request.Name.Trim(), kind = request.Kind ?? ShopKinds.Supermarket, now = write.Now };
        var created = await Roster.CreateAsync<ShopView>(write, Roster.Shops, request.CommunityId,
            async (connection, tx) => await connection.ExecuteScalarAsync<long>(new CommandDefinition(NameTaken, args, tx, cancellationToken: ct)) > 0
                ? new Failure("shop_name_exists", $"community {request.CommunityId} already has a shop named '{args.name}'")
                : null,
            Insert, args, ct);
        return created.Succeeded ? new ShopAdded(created.Value!.Id) : created.Failure!;
    }
}
