using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>Renames a shop and may change its kind (left as it is when not given); names stay unique in the community. Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record UpdateShop([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ShopId, string Name, string? Kind = null)
    : IRequest<Outcome<ShopView>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Check.Text("name", Name, 200).Concat(ShopKinds.Check(Kind));
}

sealed class UpdateShopHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<UpdateShop, Outcome<ShopView>>
{
    private const string NameTaken = "SELECT COUNT(*) FROM shops WHERE community_id = @communityId AND name = @name AND id <> @id";

    private const string Update = "UPDATE shops SET name = @name, kind = COALESCE(@kind, kind) WHERE id = @id AND community_id = @communityId";

    public Task<Outcome<ShopView>> Handle(UpdateShop request, CancellationToken ct)
    {
        var args = new { id = request.ShopId, communityId = request.CommunityId, name = request.Name.Trim(), kind = request.Kind };
        return Roster.ChangeAsync<ShopView>(new RosterWrite(work, callers.Current.Actor), Roster.Shops,
            request.CommunityId, request.ShopId, RosterChange.Update,
            async (connection, tx, _) => await connection.ExecuteScalarAsync<long>(new CommandDefinition(NameTaken, args, tx, cancellationToken: ct)) > 0
                ? new Failure("shop_name_exists", $"community {request.CommunityId} already has a shop named '{args.name}'")
                : null,
            Update, args, ct);
    }
}
