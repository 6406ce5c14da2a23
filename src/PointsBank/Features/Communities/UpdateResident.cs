using System.Text.Json.Serialization;
using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Replaces a resident's household, full name and phone (no phone: null or blank). A resident may stay in a
/// household that was deactivated but not move into one. Committee and admins, who see personal data.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record UpdateResident([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ResidentId, long? HouseholdId, [Personal] string FullName, [Personal] string? Phone = null)
    : IRequest<Outcome<ResidentView>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => ResidentFields.Validate(HouseholdId, FullName, Phone);
}

sealed class UpdateResidentHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<UpdateResident, Outcome<ResidentView>>
{
    private const string Update = """
        UPDATE residents SET household_id = @householdId, full_name = @fullName, phone = @phone WHERE id = @id AND community_id = @communityId
        """;

    public async Task<Outcome<ResidentView>> Handle(UpdateResident request, CancellationToken ct)
    {
        var changed = await Roster.ChangeAsync<ResidentRow>(new RosterWrite(work, callers.Current.Actor),
            Roster.Residents, request.CommunityId, request.ResidentId, RosterChange.Update,
            async (connection, tx, before) => request.HouseholdId is { } householdId && householdId != before.HouseholdId
                ? await Roster.HouseholdAcceptsAsync(connection, tx, request.CommunityId, householdId, ct)
                : null,
            Update, new
            {
                id = request.ResidentId,
                communityId = request.CommunityId,
                householdId = request.HouseholdId,
                fullName = request.FullName.Trim(),
                phone = ResidentFields.Phone(request.Phone),
            }, ct);
        return changed.Succeeded ? changed.Value!.View(PersonalData.Visible(callers.Current, request.CommunityId)) : changed.Failure!;
    }
}
