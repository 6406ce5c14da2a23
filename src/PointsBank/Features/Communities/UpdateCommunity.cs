using System.Text.Json.Serialization;
using PointsBank.Ledger;
using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Replaces the community's editable settings: name, time zone, account mode (以户 / 以人) and penalty policy. The
/// code is its permanent identity and does not change. The time zone is fixed once the ledger has a transaction:
/// months of the monthly aggregates (and so rankings and verify) are counted in it; so is the account mode, as the
/// policy's own update (<c>PUT …/policy</c>) fixes it. Admins of the community, and system administrators.
/// </summary>
[Allow(Role.Admin)]
public sealed record UpdateCommunity([property: JsonIgnore] long CommunityId, string Name, string TimeZone, string AccountMode, string PenaltyPolicy)
    : IRequest<Outcome<CommunityView>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => CreateCommunity.ValidateSettings(Name, TimeZone, AccountMode, PenaltyPolicy);
}

sealed class UpdateCommunityHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<UpdateCommunity, Outcome<CommunityView>>
{
    private const string Update = """
        UPDATE communities SET name = @name, time_zone = @timeZone, account_mode = @accountMode, penalty_policy = @penaltyPolicy
         WHERE id = @id
        """;

    public Task<Outcome<CommunityView>> Handle(UpdateCommunity request, CancellationToken ct) =>
        Roster.ChangeAsync<CommunityView>(new RosterWrite(work, callers.Current.Actor), Roster.Communities,
            request.CommunityId, request.CommunityId, RosterChange.Update, (connection, tx, before) =>
                Task.FromResult(RefuseIfPosted(request, before)),
            Update, new
            {
                id = request.CommunityId,
                name = request.Name.Trim(),
                timeZone = request.TimeZone,
                accountMode = request.AccountMode,
                penaltyPolicy = request.PenaltyPolicy,
            }, ct);

    // The unit of work holds the chain-head lock, so no transaction can be posted between this check and the update.
    // The account mode is fixed as the policy's own update fixes it (Features/Policy/UpdatePolicy.cs).
    private Failure? RefuseIfPosted(UpdateCommunity request, CommunityView before) => work.Community is not { LastSeq: > 0 }
        ? null
        : before.TimeZone != request.TimeZone
            ? new Failure("time_zone_locked", $"community {request.CommunityId} already has ledger entries; their months were counted in its time zone")
            : before.AccountMode != request.AccountMode ? CommunityPolicy.AccountModeLocked(request.CommunityId) : null;
}
