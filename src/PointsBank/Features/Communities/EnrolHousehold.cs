using MediatR;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>What <see cref="EnrolHousehold"/> created: the household, the account its points go to, and its people.</summary>
public sealed record HouseholdEnrolled(long HouseholdId, string Code, long AccountId, long HolderId, IReadOnlyList<long> MemberIds);

/// <summary>
/// 新增一户 from the roster page: a household with its holder (户主, name and phone) and optionally more members, in
/// ONE unit of work — all or nothing, so a refused step (a door-plate code taken, a deactivated grid) leaves no
/// half-made household behind. It does what an API client does in sequence, through the same requests
/// (<see cref="AddHousehold"/>, <see cref="OpenAccount"/>, <see cref="AddResident"/>, through <see cref="Enrolment"/>, the steps
/// the import takes too), each joining this unit of work
/// and writing its own change history, exactly as <see cref="ImportRoster"/> does for one line of the workbook:
/// the household's account in a household-mode community, each person's in a person-mode one. The answer's
/// <c>AccountId</c> is the household's account, or the holder's own in person mode. Committee and admins.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record EnrolHousehold(long CommunityId, long? GridId, string Code, string? Address, [Personal] string HolderName,
    [Personal] string? HolderPhone = null, [Personal] IReadOnlyList<string>? Members = null, string? IdempotencyKey = null)
    : IRequest<Outcome<HouseholdEnrolled>>, IValidated, ICommunityScoped, IIdempotent
{
    /// <summary>The page's form sends its one-time key, so a double click adds the household once and answers the same.</summary>
    bool IIdempotent.KeyRequired => false;

    public const int MaxMembers = 20;

    public IEnumerable<FieldError> Validate()
    {
        // "householdCode": the page names it 门牌编号 (a bare "code" is a voucher's or a community's elsewhere).
        foreach (var e in HouseholdFields.Validate(GridId, Code, Address))
        {
            yield return e.Field == "code" ? e with { Field = "householdCode" } : e;
        }
        foreach (var e in ResidentFields.Validate(null, HolderName, HolderPhone))
        {
            yield return e with { Field = e.Field == "fullName" ? "holderName" : "holderPhone" };
        }
        var members = Members ?? [];
        if (members.Count > MaxMembers)
        {
            yield return new FieldError("members", $"一次最多 {MaxMembers} 人", $"at most {MaxMembers} at once");
        }
        for (var i = 0; i < members.Count; i++)
        {
            foreach (var e in Check.Text($"members[{i}]", members[i], 100)) yield return e;
        }
    }
}

sealed class EnrolHouseholdHandler(UnitOfWork work, IMediator mediator) : IRequestHandler<EnrolHousehold, Outcome<HouseholdEnrolled>>
{
    public async Task<Outcome<HouseholdEnrolled>> Handle(EnrolHousehold request, CancellationToken ct)
    {
        var policy = await CommunityPolicy.ReadAsync(work, request.CommunityId, ct);
        if (policy is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var personAccounts = policy.AccountMode != "household";
        var household = await Enrolment.AddHouseholdAsync(mediator, request.CommunityId, request.GridId, request.Code, request.Address ?? "",
            personAccounts, ct);
        if (!household.Succeeded)
        {
            return household.Failure!;
        }
        var (householdId, accountId) = household.Value;
        var people = new List<long>();
        var names = new[] { (Name: request.HolderName, Phone: request.HolderPhone) }
            .Concat((request.Members ?? []).Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => (Name: m, Phone: (string?)null)));
        foreach (var (name, phone) in names)
        {
            var added = await Enrolment.AddPersonAsync(mediator, request.CommunityId, householdId, name.Trim(), phone, personAccounts, ct);
            if (!added.Succeeded)
            {
                return added.Failure!;
            }
            people.Add(added.Value.ResidentId);
            // In person mode the holder's own account is the one the page links to.
            accountId ??= added.Value.AccountId;
        }
        return new HouseholdEnrolled(householdId, request.Code.Trim(), accountId!.Value, people[0], people.Skip(1).ToList());
    }
}
