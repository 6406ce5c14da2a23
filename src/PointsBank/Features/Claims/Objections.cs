using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Claims;

/// <summary>
/// 异议: anyone in the community may object to a claim during its 公示 window, with a reason: any staff user of the
/// community (<c>[AnyStaff]</c>), or a resident with their card (<c>cardToken</c> + <c>pin</c>; any active card of the
/// community, since an objection is about someone else's claim; the PIN checked and counted as for an order; the
/// objector recorded as <c>card:&lt;id&gt;</c>). A pending objection holds the claim's posting until the committee
/// decides it.
/// </summary>
[CardHolder]
[AnyStaff]
public sealed record ObjectToClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string Reason,
    [property: JsonIgnore] string? IdempotencyKey = null, [property: Secret] string? CardToken = null, [property: Secret] string? Pin = null)
    : IRequest<Outcome<ObjectionView>>, IValidated, ICommunityWide, ICardPresented, IIdempotent
{
    bool IIdempotent.KeyRequired => false;

    /// <summary>Which card asked (its hash), so one Idempotency-Key cannot replay another card's objection.</summary>
    [JsonIgnore]
    public string? CardHash => CardToken is null ? null : Features.Cards.CardSecrets.HashToken(CardToken);

    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500).Concat(ClaimCards.Validate(CardToken, Pin));
}

/// <summary>
/// The committee decides an objection, with a reason: sustained, the claim stops (<c>objected</c>) and never posts;
/// dismissed, the claim posts when its window has closed and no other objection is pending. The decider must not be
/// the objector.
/// </summary>
[Allow(Role.Committee)]
public sealed record DecideObjection([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ObjectionId, bool? Sustain, string Reason)
    : IRequest<Outcome<ObjectionView>>, IValidated, IApproval
{
    public IEnumerable<FieldError> Validate() =>
        (Sustain is null ? [new FieldError("sustain", "请选择支持（true）或驳回（false）异议", "is required (true to sustain, false to dismiss)")] : Array.Empty<FieldError>())
            .Concat(Check.Text("reason", Reason, 500));
}

sealed class ObjectionsHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<ObjectToClaim, Outcome<ObjectionView>>, IRequestHandler<DecideObjection, Outcome<ObjectionView>>
{
    private const string InWindow = """
        SELECT COUNT(*) FROM claims WHERE id = @claimId AND community_id = @communityId AND status = 'noticed' AND notice_until > @now
        """;

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO claim_objections (community_id, claim_id, by_user, by_actor, reason, created_at)
            VALUES (@communityId, @claimId, @userId, @actor, @reason, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO claim_objections (community_id, claim_id, by_user, by_actor, reason, created_at)
            VALUES (@communityId, @claimId, @userId, @actor, @reason, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string Decide = """
        UPDATE claim_objections SET decision = @decision, decided_by = @actor, decided_at = @now, decision_reason = @reason
         WHERE id = @objectionId AND community_id = @communityId AND decision IS NULL
        """;

    private const string Stop = """
        UPDATE claims SET status = 'objected'
         WHERE community_id = @communityId AND status = 'noticed'
           AND id = (SELECT claim_id FROM claim_objections WHERE id = @objectionId AND community_id = @communityId)
        """;

    private const string SelectOne = """
        SELECT o.id AS Id, o.claim_id AS ClaimId, o.by_actor AS ByActor, o.reason AS Reason, o.created_at AS CreatedAt,
               o.decision AS Decision, o.decided_by AS DecidedBy, o.decided_at AS DecidedAt, o.decision_reason AS DecisionReason
          FROM claim_objections o
         WHERE o.id = @objectionId AND o.community_id = @communityId
        """;

    public async Task<Outcome<ObjectionView>> Handle(ObjectToClaim request, CancellationToken ct)
    {
        var args = new { communityId = request.CommunityId, claimId = request.ClaimId, now = work.Now };
        if (await work.ScalarAsync<long>(InWindow, args, ct) == 0)
        {
            return await ClaimStore.FindAsync(work, request.CommunityId, request.ClaimId, ct) is { } claim
                ? new Failure("claim_not_in_notice", $"claim {request.ClaimId} is {claim.Status}{(claim.Status == ClaimStatus.Noticed ? " but its window has closed" : "")}: objections are taken during its 公示 window only")
                : ClaimStore.NotFound(request.CommunityId, request.ClaimId);
        }
        var caller = callers.Current;
        var (userId, actor) = (caller.UserId, caller.Actor);
        if (ClaimCards.RequireProof(caller, request.CardToken) is { } unproven)
        {
            return unproven;
        }
        if (request.CardToken is not null)
        {
            var proven = await ClaimCards.ProveAsync(work, request.CommunityId, request.CardToken, request.Pin, ct);
            if (!proven.Succeeded)
            {
                return proven.Failure!;
            }
            (userId, actor) = (null, ClaimCards.Actor(proven.Value!));
        }
        var id = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId = request.CommunityId, claimId = request.ClaimId, userId, actor,
            reason = request.Reason.Trim(), now = work.Now,
        }, ct);
        return await FindAsync(request.CommunityId, id, ct);
    }

    public async Task<Outcome<ObjectionView>> Handle(DecideObjection request, CancellationToken ct)
    {
        var args = new
        {
            communityId = request.CommunityId, objectionId = request.ObjectionId, actor = callers.Current.Actor, now = work.Now,
            reason = request.Reason.Trim(), decision = request.Sustain == true ? "sustained" : "dismissed",
        };
        if (await work.ExecuteAsync(Decide, args, ct) == 0)
        {
            var existing = await FindAsync(request.CommunityId, request.ObjectionId, ct);
            return existing.Succeeded
                ? new Failure("objection_decided", $"objection {request.ObjectionId} was already {existing.Value!.Decision}")
                : existing.Failure!;
        }
        if (request.Sustain == true)
        {
            await work.ExecuteAsync(Stop, args, ct);
        }
        return await FindAsync(request.CommunityId, request.ObjectionId, ct);
    }

    private async Task<Outcome<ObjectionView>> FindAsync(long communityId, long objectionId, CancellationToken ct) =>
        (await work.QueryAsync<ObjectionView>(SelectOne, new { communityId, objectionId }, ct)).SingleOrDefault() is { } found
            ? found with { CreatedAt = Clock.AsUtc(found.CreatedAt), DecidedAt = found.DecidedAt is { } d ? Clock.AsUtc(d) : null }
            : new Failure("objection_not_found", $"community {communityId} has no objection {objectionId}");
}
