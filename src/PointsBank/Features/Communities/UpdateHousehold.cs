using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Replaces a household's grid, door-plate code and address. Codes stay unique in the community; a household may
/// stay in a grid that was deactivated but not move into one. Committee and admins.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record UpdateHousehold([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long HouseholdId, long? GridId, string Code, string Address = "")
    : IRequest<Outcome<HouseholdView>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => HouseholdFields.Validate(GridId, Code, Address);
}

sealed class UpdateHouseholdHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<UpdateHousehold, Outcome<HouseholdView>>
{
    private const string Update = """
        UPDATE households SET grid_id = @gridId, code = @code, address = @address WHERE id = @id AND community_id = @communityId
        """;

    public Task<Outcome<HouseholdView>> Handle(UpdateHousehold request, CancellationToken ct)
    {
        var args = new
        {
            id = request.HouseholdId,
            communityId = request.CommunityId,
            gridId = request.GridId,
            code = request.Code.Trim(),
            address = (request.Address ?? "").Trim(),
        };
        return Roster.ChangeAsync<HouseholdView>(new RosterWrite(work, callers.Current.Actor), Roster.Households,
            request.CommunityId, request.HouseholdId, RosterChange.Update,
            async (connection, tx, before) =>
                (request.GridId is { } gridId && gridId != before.GridId
                    ? await Roster.GridAcceptsAsync(connection, tx, request.CommunityId, gridId, ct)
                    : null)
                ?? await HouseholdFields.CodeTakenAsync(connection, tx, request.CommunityId, args.code, request.HouseholdId, ct),
            Update, args, ct);
    }
}
