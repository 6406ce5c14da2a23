using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Ledger;

namespace PointsBank.Features.Redemption;

public sealed record VouchersExpired(long CommunityId, IReadOnlyList<long> VoucherIds);

/// <summary>
/// Expires the community's issued vouchers whose time has passed: the hold released (the points available again),
/// the voucher marked expired. Sent by the background job (<c>expire-vouchers</c>, as the system) and by
/// <c>jobs run expire-vouchers</c>. Each voucher is claimed by a conditional UPDATE inside the community's lock and
/// releasing a released hold is a no-op, so two runners at once, or one with a stale list, do no harm.
/// </summary>
[Allow(Role.Admin)]
public sealed record ExpireVouchers(long CommunityId) : IRequest<Outcome<VouchersExpired>>, ICommunityScoped, IBulkWrite
{
    public const int BatchSize = 500;
}

sealed class ExpireVouchersHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<ExpireVouchers, Outcome<VouchersExpired>>
{
    private sealed record Due(long Id, long HoldId);

    private static readonly DialectSql SelectDue = new(
        Sqlite: """
            SELECT id AS Id, hold_id AS HoldId FROM vouchers
             WHERE community_id = @communityId AND status = 'issued' AND expires_at <= @now ORDER BY id LIMIT @take
            """,
        SqlServer: """
            SELECT TOP (@take) id AS Id, hold_id AS HoldId FROM vouchers
             WHERE community_id = @communityId AND status = 'issued' AND expires_at <= @now ORDER BY id
            """);

    private const string MarkExpired = """
        UPDATE vouchers SET status = 'expired', closed_by = @actor, closed_at = @now
         WHERE id = @voucherId AND status = 'issued' AND expires_at <= @now
        """;

    public async Task<Outcome<VouchersExpired>> Handle(ExpireVouchers request, CancellationToken ct)
    {
        if (work.Community is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var actor = callers.Current.Actor;
        var due = await work.QueryAsync<Due>(work.Dialect.Pick(SelectDue), new { communityId = request.CommunityId, now = work.Now, take = ExpireVouchers.BatchSize }, ct);
        var expired = new List<long>();
        foreach (var voucher in due)
        {
            if (await work.ExecuteAsync(MarkExpired, new { actor, now = work.Now, voucherId = voucher.Id }, ct) == 0)
            {
                continue;
            }
            // Released already (the holds job got there first) is a replay, not a failure.
            var released = await ledger.ReleaseHoldAsync(work, request.CommunityId, voucher.HoldId, actor, onlyIfExpired: false, ct);
            if (!released.Succeeded)
            {
                throw new InvalidOperationException($"voucher {voucher.Id}: its hold {voucher.HoldId} could not be released: {released.Detail}");
            }
            expired.Add(voucher.Id);
        }
        return new VouchersExpired(request.CommunityId, expired);
    }
}

/// <summary>Expires vouchers past their time and releases their holds, community by community.</summary>
public sealed class ExpireVouchersJob() : CommunityJob<ExpireVouchers, VouchersExpired>("expire-vouchers", DueCommunities)
{
    private const string DueCommunities = "SELECT DISTINCT community_id FROM vouchers WHERE status = 'issued' AND expires_at <= @now";

    protected override ExpireVouchers For(long communityId) => new(communityId);

    protected override int Done(VouchersExpired result) => result.VoucherIds.Count;
}
