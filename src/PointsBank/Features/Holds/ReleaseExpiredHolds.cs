using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Holds;

public sealed record HoldsReleased(long CommunityId, IReadOnlyList<long> HoldIds);

/// <summary>
/// Releases the community's holds whose expiry has passed, so the points they reserved are available again. Sent by
/// the background job (as the system) and by <c>jobs run release-expired-holds</c>. It is one conditional step: the
/// holds are chosen inside the community's lock and each is released only if it is still open and expired, so two
/// runners at once, or a runner with a stale list, release each hold once.
/// </summary>
[Allow(Role.Admin)]
public sealed record ReleaseExpiredHolds(long CommunityId) : IRequest<Outcome<HoldsReleased>>, ICommunityScoped, IBulkWrite
{
    /// <summary>At most this many holds per step; the next tick takes the rest.</summary>
    public const int BatchSize = 500;
}

sealed class ReleaseExpiredHoldsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<ReleaseExpiredHolds, Outcome<HoldsReleased>>
{
    private static readonly DialectSql SelectExpired = new(
        Sqlite: """
            SELECT id FROM holds
             WHERE community_id = @communityId AND status = 'open' AND expires_at IS NOT NULL AND expires_at <= @now
             ORDER BY id LIMIT @take
            """,
        SqlServer: """
            SELECT TOP (@take) id FROM holds
             WHERE community_id = @communityId AND status = 'open' AND expires_at IS NOT NULL AND expires_at <= @now
             ORDER BY id
            """);

    public async Task<Outcome<HoldsReleased>> Handle(ReleaseExpiredHolds request, CancellationToken ct)
    {
        if (work.Community is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var expired = await work.QueryAsync<long>(work.Dialect.Pick(SelectExpired),
            new { communityId = request.CommunityId, now = work.Now, take = ReleaseExpiredHolds.BatchSize }, ct);
        var released = new List<long>();
        foreach (var holdId in expired)
        {
            var result = await ledger.ReleaseHoldAsync(work, request.CommunityId, holdId, callers.Current.Actor, onlyIfExpired: true, ct);
            if (result is { Succeeded: true, Replayed: false })
            {
                released.Add(holdId);
            }
        }
        return new HoldsReleased(request.CommunityId, released);
    }
}
