using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Ledger;

namespace PointsBank.Features.Claims;

public sealed record ClaimsPosted(long CommunityId, IReadOnlyList<long> ClaimIds);

/// <summary>
/// 入账: posts the community's claims whose 公示 window has closed with no objection pending or sustained. Sent by the
/// background job (as the system) and by <c>jobs run post-due-claims</c>. Each claim is claimed by a conditional
/// UPDATE (noticed → posted) inside the community's lock, and its ledger key is derived from the claim, so two
/// runners at once, or a runner with a stale list, post each claim once.
/// </summary>
[Allow(Role.Admin)]
public sealed record PostDueClaims(long CommunityId) : IRequest<Outcome<ClaimsPosted>>, ICommunityScoped, IBulkWrite
{
    /// <summary>At most this many claims per step; the next tick takes the rest.</summary>
    public const int BatchSize = 200;

    /// <summary>A claim is due: noticed, window closed, no refusal recorded, no objection pending (a sustained one made it objected).</summary>
    internal const string DueCondition = """
        c.status = 'noticed' AND c.notice_until <= @now AND c.post_failure IS NULL
           AND NOT EXISTS (SELECT 1 FROM claim_objections o WHERE o.claim_id = c.id AND (o.decision IS NULL OR o.decision = 'sustained'))
        """;
}

sealed class PostDueClaimsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<PostDueClaims, Outcome<ClaimsPosted>>
{
    private static readonly DialectSql SelectDue = new(
        Sqlite: "SELECT c.id FROM claims c WHERE c.community_id = @communityId AND " + PostDueClaims.DueCondition + " ORDER BY c.id LIMIT @take",
        SqlServer: "SELECT TOP (@take) c.id FROM claims c WHERE c.community_id = @communityId AND " + PostDueClaims.DueCondition + " ORDER BY c.id");

    public async Task<Outcome<ClaimsPosted>> Handle(PostDueClaims request, CancellationToken ct)
    {
        if (work.Community is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var due = await work.QueryAsync<long>(work.Dialect.Pick(SelectDue),
            new { communityId = request.CommunityId, now = work.Now, take = PostDueClaims.BatchSize }, ct);
        var posted = new List<long>();
        foreach (var claimId in due)
        {
            if (await ClaimStore.FindAsync(work, request.CommunityId, claimId, ct) is not { } claim)
            {
                continue;
            }
            var result = await ClaimStore.PostAsync(work, ledger, callers.Current, request.CommunityId, claim, failOnRefusal: false, ct);
            if (result is { Succeeded: true, Value: not null })
            {
                posted.Add(claimId);
            }
        }
        return new ClaimsPosted(request.CommunityId, posted);
    }
}

/// <summary>Posts claims whose 公示 window closed without a sustained objection, community by community.</summary>
public sealed class PostDueClaimsJob() : CommunityJob<PostDueClaims, ClaimsPosted>("post-due-claims", DueCommunities)
{
    private const string DueCommunities = "SELECT DISTINCT c.community_id FROM claims c WHERE " + PostDueClaims.DueCondition;

    protected override PostDueClaims For(long communityId) => new(communityId);

    protected override int Done(ClaimsPosted result) => result.ClaimIds.Count;
}
