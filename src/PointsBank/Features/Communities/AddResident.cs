using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record ResidentAdded(long ResidentId);

/// <summary>
/// Adds a resident (居民/村民), optionally as a member of a household; a deactivated household takes no new residents.
/// Name and phone are personal data (see <see cref="PersonalData"/>).
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record AddResident([property: JsonIgnore] long CommunityId, long? HouseholdId, [Personal] string FullName, [Personal] string? Phone = null,
    [property: JsonIgnore] string? IdempotencyKey = null)
    : IRequest<Outcome<ResidentAdded>>, IValidated, ICommunityScoped, IIdempotent
{
    /// <summary>Optional here: a client that may retry sends one so the retry creates nothing twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => ResidentFields.Validate(HouseholdId, FullName, Phone);
}

sealed class AddResidentHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<AddResident, Outcome<ResidentAdded>>
{
    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO residents (community_id, household_id, full_name, phone, is_active, created_at)
            VALUES (@communityId, @householdId, @fullName, @phone, 1, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO residents (community_id, household_id, full_name, phone, is_active, created_at)
            VALUES (@communityId, @householdId, @fullName, @phone, 1, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<ResidentAdded>> Handle(AddResident request, CancellationToken ct)
    {
        var write = new RosterWrite(work, callers.Current.Actor);
        var args = new
        {
            communityId = request.CommunityId,
            householdId = request.HouseholdId,
            fullName = request.FullName.Trim(),
            phone = ResidentFields.Phone(request.Phone),
            now = write.Now,
        };
        var created = await Roster.CreateAsync<ResidentRow>(write, Roster.Residents, request.CommunityId,
            async (connection, tx) => request.HouseholdId is { } householdId
                ? await Roster.HouseholdAcceptsAsync(connection, tx, request.CommunityId, householdId, ct)
                : null,
            Insert, args, ct);
        return created.Succeeded ? new ResidentAdded(created.Value!.Id) : created.Failure!;
    }
}

/// <summary>The resident fields that adding and editing share.</summary>
internal static class ResidentFields
{
    public static IEnumerable<FieldError> Validate(long? householdId, string fullName, string? phone)
    {
        if (householdId is { } household)
        {
            foreach (var e in Check.Positive("householdId", household)) yield return e;
        }
        foreach (var e in Check.Text("fullName", fullName, 100)) yield return e;
        foreach (var e in Check.Text("phone", phone, 32, required: false)) yield return e;
        if (!string.IsNullOrWhiteSpace(phone) && !phone.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' '))
        {
            yield return new FieldError("phone", "只能包含数字、空格、+ 和 -", "may contain only digits, spaces, '+' and '-'");
        }
    }

    /// <summary>A blank phone is no phone.</summary>
    public static string? Phone(string? phone) => string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
}
