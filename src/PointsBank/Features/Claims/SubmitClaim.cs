using System.Text.Json;
using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Claims;

/// <summary>
/// 申报: a claim that a member did something a rule of the catalogue rewards (or penalises): the rule (its current
/// version is kept with the claim), the facts, the day it happened, an evidence note and the member who did it. It
/// waits in <c>submitted</c> for a reviewer who is not the submitter. Two ways in:
/// <list type="bullet">
/// <item>staff (the committee, reviewers, grid workers within their grids, organizers) for any member account;</item>
/// <item>the resident with their card (<c>cardToken</c> + <c>pin</c>), for the card's own account only
/// (<c>accountId</c> must be the card's), under a rule whose <c>recordedBy</c> names <c>resident</c>; the PIN is
/// checked here like an order's (wrong PINs counted, five lock the card) and the submitter is <c>card:&lt;id&gt;</c>.</item>
/// </list>
/// The Idempotency-Key is optional: a client that may retry sends one so a retry creates nothing twice.
/// </summary>
[CardHolder]
[Allow(Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer)]
public sealed record SubmitClaim(
    [property: JsonIgnore] long CommunityId,
    long AccountId,
    long? MemberId,
    string RuleCode,
    RuleFacts? Facts,
    DateOnly? OccurredOn,
    string? EvidenceNote,
    [property: JsonIgnore] string? IdempotencyKey = null,
    [property: Secret] string? CardToken = null,
    [property: Secret] string? Pin = null) : IRequest<Outcome<ClaimView>>, IValidated, IAccountScoped, ICardPresented, IIdempotent
{
    bool IIdempotent.KeyRequired => false;

    /// <summary>Which card asked (its hash), so one Idempotency-Key cannot replay another card's claim.</summary>
    [JsonIgnore]
    public string? CardHash => CardToken is null ? null : CardSecrets.HashToken(CardToken);

    public IEnumerable<FieldError> Validate() =>
        Check.Positive("accountId", AccountId)
            .Concat(MemberId is { } member ? Check.Positive("memberId", member) : [])
            .Concat(Check.Code("ruleCode", RuleCode, 64))
            .Concat(OccurredOn is null ? [new FieldError("occurredOn", "请填写发生日期（yyyy-MM-dd）", "is required (yyyy-MM-dd)")] : [])
            .Concat(Check.Text("evidenceNote", EvidenceNote, 500))
            .Concat(ClaimCards.Validate(CardToken, Pin));
}

sealed class SubmitClaimHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<SubmitClaim, Outcome<ClaimView>>
{
    private const string MemberAccount = """
        SELECT COUNT(*) FROM accounts WHERE id = @accountId AND community_id = @communityId AND kind IN ('household', 'person')
        """;

    // The member who did it belongs to the account: its household's resident, or the person account's own resident.
    private const string MemberOfAccount = """
        SELECT COUNT(*) FROM accounts a JOIN residents r ON r.id = @memberId AND r.community_id = a.community_id
         WHERE a.id = @accountId AND a.community_id = @communityId
           AND ((a.kind = 'household' AND r.household_id = a.household_id) OR (a.kind = 'person' AND r.id = a.resident_id))
        """;

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO claims (community_id, account_id, member_id, rule_code, rule_version, facts_json, occurred_on, evidence_note,
                                status, submitted_by_user, submitted_by, submitted_at)
            VALUES (@communityId, @accountId, @memberId, @ruleCode, @ruleVersion, @factsJson, @occurredOn, @evidenceNote,
                    'submitted', @userId, @actor, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO claims (community_id, account_id, member_id, rule_code, rule_version, facts_json, occurred_on, evidence_note,
                                status, submitted_by_user, submitted_by, submitted_at)
            VALUES (@communityId, @accountId, @memberId, @ruleCode, @ruleVersion, @factsJson, @occurredOn, @evidenceNote,
                    'submitted', @userId, @actor, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<ClaimView>> Handle(SubmitClaim request, CancellationToken ct)
    {
        if (work.Community is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (await RuleCatalog.CurrentAsync(work, request.CommunityId, request.RuleCode, ct) is not { } rule)
        {
            return new Failure("rule_not_found", $"community {request.CommunityId} has no rule '{request.RuleCode}'");
        }
        if (PointsBank.Features.Points.ByRule.AmountNotAllowed(rule, request.Facts?.Amount) is { } notAllowed)
        {
            return notAllowed;
        }
        if (await work.ScalarAsync<long>(MemberAccount, new { accountId = request.AccountId, communityId = request.CommunityId }, ct) == 0)
        {
            return new Failure("account_not_found", $"community {request.CommunityId} has no member account {request.AccountId}");
        }
        if (request.MemberId is { } member
            && await work.ScalarAsync<long>(MemberOfAccount, new { memberId = member, accountId = request.AccountId, communityId = request.CommunityId }, ct) == 0)
        {
            return new Failure("resident_not_found", $"resident {member} is not a member of account {request.AccountId}");
        }
        var today = Projections.LocalDate(work.Now, Projections.Zone(community.TimeZone));
        if (request.OccurredOn > today)
        {
            return new Failure("effective_date_in_future", $"{request.OccurredOn:yyyy-MM-dd} is after today ({today:yyyy-MM-dd})");
        }
        var caller = callers.Current;
        var actor = caller.Actor;
        if (ClaimCards.RequireProof(caller, request.CardToken) is { } unproven)
        {
            return unproven;
        }
        if (request.CardToken is not null)
        {
            // The resident's own claim: the card's account only, a rule residents may claim, then the PIN.
            if (await CardPins.FindActiveAsync(work, request.CommunityId, request.CardToken, ct) is { } presented && presented.AccountId != request.AccountId)
            {
                return new Failure("forbidden", $"card:{presented.Id} may only submit claims for its own account");
            }
            if (!(rule.Rule.RecordedBy ?? []).Contains(Recorders.Resident))
            {
                return new Failure("rule_not_recordable", $"residents may not claim '{rule.Code}' (recorded by: {string.Join(", ", rule.Rule.RecordedBy ?? [])})");
            }
            var proven = await ClaimCards.ProveAsync(work, request.CommunityId, request.CardToken, request.Pin, ct);
            if (!proven.Succeeded)
            {
                return proven.Failure!;
            }
            actor = ClaimCards.Actor(proven.Value!);
        }
        var id = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId = request.CommunityId,
            accountId = request.AccountId,
            memberId = request.MemberId,
            ruleCode = rule.Code,
            ruleVersion = rule.Version,
            factsJson = JsonSerializer.Serialize(request.Facts ?? RuleFacts.None, RuleJson.Options),
            occurredOn = request.OccurredOn!.Value,
            evidenceNote = request.EvidenceNote!.Trim(),
            userId = request.CardToken is null ? caller.UserId : null,
            actor,
            now = work.Now,
        }, ct);
        return await ClaimStore.ViewAsync(work, request.CommunityId, id, caller, ct);
    }
}
