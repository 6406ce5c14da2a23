using MediatR;
using PointsBank.Features.Accounts;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// The two steps every new household and every new person take, wherever they come from (the roster import,
/// 新增一户 on the roster page): the row through its own request, then the points account the community's account mode
/// gives it — the household's in household mode, each person's own in person mode. Each request joins the caller's
/// unit of work and records its own history.
/// </summary>
internal static class Enrolment
{
    /// <summary>A new household, with its account in a household-mode community (else <c>AccountId</c> is null).</summary>
    public static async Task<Outcome<(long HouseholdId, long? AccountId)>> AddHouseholdAsync(IMediator mediator, long communityId, long? gridId,
        string code, string address, bool personAccounts, CancellationToken ct)
    {
        var added = await mediator.Send(new AddHousehold(communityId, gridId, code, address), ct);
        if (!added.Succeeded)
        {
            return added.Failure!;
        }
        var householdId = added.Value!.HouseholdId;
        if (personAccounts)
        {
            return (householdId, (long?)null);
        }
        var opened = await mediator.Send(new OpenAccount(communityId, "household", householdId), ct);
        return opened.Succeeded ? (householdId, opened.Value!.AccountId) : opened.Failure!;
    }

    /// <summary>A new person of a household, with their own account in a person-mode community (else <c>AccountId</c> is null).</summary>
    public static async Task<Outcome<(long ResidentId, long? AccountId)>> AddPersonAsync(IMediator mediator, long communityId, long householdId,
        string name, string? phone, bool personAccounts, CancellationToken ct)
    {
        var added = await mediator.Send(new AddResident(communityId, householdId, name, phone), ct);
        if (!added.Succeeded)
        {
            return added.Failure!;
        }
        var residentId = added.Value!.ResidentId;
        if (!personAccounts)
        {
            return (residentId, (long?)null);
        }
        var opened = await mediator.Send(new OpenAccount(communityId, "person", residentId), ct);
        return opened.Succeeded ? (residentId, opened.Value!.AccountId) : opened.Failure!;
    }
}
