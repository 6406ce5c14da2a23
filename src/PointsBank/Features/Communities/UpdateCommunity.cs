using System.Data.Common;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// Replaces the community's editable settings: name, time zone, account mode (以户 / 以人) and penalty policy. The
/// code is its permanent identity and does not change. Admins of the community, and system administrators.
/// </summary>
[Allow(Role.Admin)]
public sealed record UpdateCommunity(long CommunityId, string Name, string TimeZone, string AccountMode, string PenaltyPolicy)
    : IRequest<Outcome<CommunityView>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => CreateCommunity.ValidateSettings(Name, TimeZone, AccountMode, PenaltyPolicy);
}

sealed class UpdateCommunityHandler(DbDataSource db, SqlDialect dialect, CallerContext callers, TimeProvider clock)
    : IRequestHandler<UpdateCommunity, Outcome<CommunityView>>
{
    private const string Update = """
        UPDATE communities SET name = @name, time_zone = @timeZone, account_mode = @accountMode, penalty_policy = @penaltyPolicy
         WHERE id = @id
        """;

    public Task<Outcome<CommunityView>> Handle(UpdateCommunity request, CancellationToken ct) =>
        Roster.ChangeAsync<CommunityView>(new RosterWrite(db, dialect, callers.Current.Actor, Clock.Now(clock)), Roster.Communities,
            request.CommunityId, request.CommunityId, RosterChange.Update, Roster.NoCheck, Update, new
            {
                id = request.CommunityId,
                name = request.Name.Trim(),
                timeZone = request.TimeZone,
                accountMode = request.AccountMode,
                penaltyPolicy = request.PenaltyPolicy,
            }, ct);
}
