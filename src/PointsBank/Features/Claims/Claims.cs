using System.Data.Common;
using System.Text.Json;
using Dapper;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Claims;

/// <summary>Claim statuses (API.md): the only values <c>claims.status</c> takes.</summary>
public static class ClaimStatus
{
    public const string Submitted = "submitted";
    public const string Rejected = "rejected";
    public const string Noticed = "noticed";
    public const string Posted = "posted";
    public const string Withdrawn = "withdrawn";
    public const string Objected = "objected";

    public static readonly IReadOnlyList<string> All = [Submitted, Rejected, Noticed, Posted, Withdrawn, Objected];
}

/// <summary>An objection to a claim in its 公示 window, with the committee's decision once made.</summary>
public sealed record ObjectionView
{
    public long Id { get; init; }
    public long ClaimId { get; init; }
    public string ByActor { get; init; } = "";
    public string Reason { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public string? Decision { get; init; }
    public string? DecidedBy { get; init; }
    public DateTime? DecidedAt { get; init; }
    public string? DecisionReason { get; init; }
}

/// <summary>A claim as staff see it (the member's name masked unless the caller may see personal data).</summary>
public sealed record ClaimView
{
    public long Id { get; init; }
    public string Status { get; init; } = "";
    public long AccountId { get; init; }
    public long? MemberId { get; init; }
    public string? MemberName { get; init; }
    public string RuleCode { get; init; } = "";
    public int RuleVersion { get; init; }
    public RuleFacts Facts { get; init; } = RuleFacts.None;
    public DateOnly OccurredOn { get; init; }
    public string? EvidenceNote { get; init; }
    public string SubmittedBy { get; init; } = "";
    public DateTime SubmittedAt { get; init; }
    public string? ReviewedBy { get; init; }
    public DateTime? ReviewedAt { get; init; }
    public string? ReviewNote { get; init; }
    public DateTime? NoticeUntil { get; init; }
    public long? PostedSeq { get; init; }
    public DateTime? PostedAt { get; init; }

    /// <summary>Why the claim could not post when its window closed (e.g. the rule's monthly cap); it stays noticed.</summary>
    public string? PostFailure { get; init; }

    /// <summary>Who withdrew the claim (撤回), when and why; null unless its status is <c>withdrawn</c>.</summary>
    public string? WithdrawnBy { get; init; }
    public DateTime? WithdrawnAt { get; init; }
    public string? WithdrawReason { get; init; }

    public IReadOnlyList<ObjectionView> Objections { get; init; } = [];

    /// <summary>The household's code (一组-01): the account's household, or for a person account its holder's household.</summary>
    public string? HouseholdCode { get; init; }

    /// <summary>For a person account, its holder's name (masked like <see cref="MemberName"/>); null for a household account.</summary>
    public string? AccountHolderName { get; init; }

    /// <summary>
    /// The display names of the staff users this claim names (submitter, reviewer, withdrawer, objectors, deciders):
    /// actor → name, e.g. <c>user:reviewer</c> → 李审核. Filled by the list (<see cref="ListClaims"/>) and by every answer
    /// that returns one claim.
    /// </summary>
    public IReadOnlyDictionary<string, string> ActorNames { get; init; } = new Dictionary<string, string>();

    /// <summary>Every actor this claim names, for <see cref="ActorNames"/>.</summary>
    internal IEnumerable<string?> Actors() =>
        new[] { SubmittedBy, ReviewedBy, WithdrawnBy }.Concat(Objections.SelectMany(o => new[] { o.ByActor, o.DecidedBy }));
}

/// <summary>What the claim slice shares: its rows, its reads and its one way onto the ledger.</summary>
internal static class ClaimStore
{
    /// <summary>One claim as a write request answers it, read in the unit: its view, with the names of who did what.</summary>
    public static async Task<ClaimView> ViewAsync(UnitOfWork work, long communityId, long claimId, Caller caller, CancellationToken ct)
    {
        var view = (await FindAsync(work, communityId, claimId, ct))!.ToView(PersonalData.Visible(caller, communityId));
        var names = await Identity.ActorNames.LookupAsync(work.Connection, work.Transaction, view.Actors(), ct);
        return view with { ActorNames = names };
    }

    private const string Columns = """
        SELECT c.id AS Id, c.status AS Status, c.account_id AS AccountId, c.member_id AS MemberId, r.full_name AS MemberName,
               c.rule_code AS RuleCode, c.rule_version AS RuleVersion, c.facts_json AS FactsJson, c.occurred_on AS OccurredOn,
               c.evidence_note AS EvidenceNote, c.submitted_by AS SubmittedBy, c.submitted_at AS SubmittedAt,
               c.reviewed_by AS ReviewedBy, c.reviewed_at AS ReviewedAt, c.review_note AS ReviewNote, c.notice_until AS NoticeUntil,
               c.posted_seq AS PostedSeq, c.posted_at AS PostedAt, c.post_failure AS PostFailure,
               c.withdrawn_by AS WithdrawnBy, c.withdrawn_at AS WithdrawnAt, c.withdraw_reason AS WithdrawReason,
               h.code AS HouseholdCode, p.full_name AS AccountHolderName
          FROM claims c
          LEFT JOIN residents r ON r.id = c.member_id
          LEFT JOIN accounts a ON a.id = c.account_id
          LEFT JOIN residents p ON a.kind = 'person' AND p.id = a.resident_id
          LEFT JOIN households h ON h.id = COALESCE(a.household_id, p.household_id)
        """;

    public const string SelectOne = Columns + " WHERE c.id = @claimId AND c.community_id = @communityId";

    public const string SelectByStatus = Columns + """
         WHERE c.community_id = @communityId AND (@status IS NULL OR c.status = @status)
           AND (@accountId IS NULL OR c.account_id = @accountId)
         ORDER BY c.id DESC
        """;

    public const string SelectObjections = """
        SELECT o.id AS Id, o.claim_id AS ClaimId, o.by_actor AS ByActor, o.reason AS Reason, o.created_at AS CreatedAt,
               o.decision AS Decision, o.decided_by AS DecidedBy, o.decided_at AS DecidedAt, o.decision_reason AS DecisionReason
          FROM claim_objections o
         WHERE o.community_id = @communityId
         ORDER BY o.id
        """;

    public const string MarkPosted = """
        UPDATE claims SET posted_seq = @seq, post_failure = NULL WHERE id = @claimId AND community_id = @communityId AND status = 'posted'
        """;

    // Claims the row for posting: only a noticed claim moves to posted, so of two runners only one goes on.
    public const string ClaimForPosting = """
        UPDATE claims SET status = 'posted', posted_at = @now
         WHERE id = @claimId AND community_id = @communityId AND status = 'noticed'
        """;

    public const string PostingFailed = """
        UPDATE claims SET status = 'noticed', posted_at = NULL, post_failure = @failure
         WHERE id = @claimId AND community_id = @communityId AND status = 'posted' AND posted_seq IS NULL
        """;

    public sealed record Row
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public long AccountId { get; init; }
        public long? MemberId { get; init; }
        public string? MemberName { get; init; }
        public string RuleCode { get; init; } = "";
        public long RuleVersion { get; init; }
        public string FactsJson { get; init; } = "{}";
        public DateOnly OccurredOn { get; init; }
        public string? EvidenceNote { get; init; }
        public string SubmittedBy { get; init; } = "";
        public DateTime SubmittedAt { get; init; }
        public string? ReviewedBy { get; init; }
        public DateTime? ReviewedAt { get; init; }
        public string? ReviewNote { get; init; }
        public DateTime? NoticeUntil { get; init; }
        public long? PostedSeq { get; init; }
        public DateTime? PostedAt { get; init; }
        public string? PostFailure { get; init; }
        public string? WithdrawnBy { get; init; }
        public DateTime? WithdrawnAt { get; init; }
        public string? WithdrawReason { get; init; }
        public string? HouseholdCode { get; init; }
        public string? AccountHolderName { get; init; }

        public RuleFacts Facts => JsonSerializer.Deserialize<RuleFacts>(FactsJson, RuleJson.Options) ?? RuleFacts.None;

        public ClaimView ToView(bool namesVisible, IReadOnlyList<ObjectionView>? objections = null) => new()
        {
            Id = Id, Status = Status, AccountId = AccountId, MemberId = MemberId,
            MemberName = MemberName is null ? null : namesVisible ? MemberName : PersonalData.MaskName(MemberName),
            RuleCode = RuleCode, RuleVersion = checked((int)RuleVersion), Facts = Facts, OccurredOn = OccurredOn, EvidenceNote = EvidenceNote,
            SubmittedBy = SubmittedBy, SubmittedAt = Clock.AsUtc(SubmittedAt), ReviewedBy = ReviewedBy,
            ReviewedAt = ReviewedAt is { } r ? Clock.AsUtc(r) : null, ReviewNote = ReviewNote,
            NoticeUntil = NoticeUntil is { } n ? Clock.AsUtc(n) : null, PostedSeq = PostedSeq,
            PostedAt = PostedAt is { } p ? Clock.AsUtc(p) : null, PostFailure = PostFailure,
            WithdrawnBy = WithdrawnBy, WithdrawnAt = WithdrawnAt is { } w ? Clock.AsUtc(w) : null, WithdrawReason = WithdrawReason,
            Objections = objections ?? [],
            HouseholdCode = HouseholdCode,
            AccountHolderName = AccountHolderName is null ? null : namesVisible ? AccountHolderName : PersonalData.MaskName(AccountHolderName),
        };
    }

    public static async Task<Row?> FindAsync(UnitOfWork work, long communityId, long claimId, CancellationToken ct) =>
        (await work.QueryAsync<Row>(SelectOne, new { communityId, claimId }, ct)).SingleOrDefault();

    public static Failure NotFound(long communityId, long claimId) =>
        new("claim_not_found", $"community {communityId} has no claim {claimId}");

    /// <summary>
    /// Posts a noticed claim, exactly once: the conditional UPDATE claims the row (a second runner finds it posted and
    /// does nothing), and the ledger key derived from the claim makes any second posting a replay. A posting the rule
    /// refuses (a cap reached meanwhile) puts the claim back in <c>noticed</c> with the reason, for the committee.
    /// Returns the sequence number, or null when another runner had it already or the rule refused it.
    /// </summary>
    public static async Task<Outcome<long?>> PostAsync(UnitOfWork work, PointsLedger ledger, Caller caller, long communityId, Row claim,
        bool failOnRefusal, CancellationToken ct)
    {
        var args = new { communityId, claimId = claim.Id, now = work.Now };
        if (await work.ExecuteAsync(ClaimForPosting, args, ct) == 0)
        {
            return (long?)null;
        }
        var posted = await ByRule.PostAsync(work, ledger, caller, TransactionKind.Award, communityId, claim.AccountId, claim.RuleCode,
            claim.Facts, null, claim.EvidenceNote, claim.MemberId, claim.OccurredOn, LedgerKeys.Derived("claim", claim.Id), ct,
            new ByRule.Reviewed(claim.Id, checked((int)claim.RuleVersion)));
        if (!posted.Succeeded)
        {
            if (failOnRefusal)
            {
                return posted.Failure!;
            }
            var failure = $"{posted.Failure!.Code}: {posted.Failure.Detail}";
            await work.ExecuteAsync(PostingFailed, new { communityId, claimId = claim.Id, failure = failure.Length > 1000 ? failure[..1000] : failure }, ct);
            return (long?)null;
        }
        var seq = posted.Value!.Transaction!.Seq;
        await work.ExecuteAsync(MarkPosted, new { communityId, claimId = claim.Id, seq }, ct);
        return seq;
    }
}

/// <summary>
/// Who recorded what an approval acts on (dual control, 四眼原则): the submitter of a claim for its approval or
/// rejection, the objector for the decision on an objection. Read outside any unit: authorization runs before it opens.
/// </summary>
internal sealed class ClaimRecorders(DbDataSource db)
    : IRecorderOf<ApproveClaim>, IRecorderOf<RejectClaim>, IRecorderOf<DecideObjection>
{
    private const string Submitter = "SELECT submitted_by_user FROM claims WHERE id = @claimId AND community_id = @communityId";
    private const string Objector = "SELECT by_user FROM claim_objections WHERE id = @objectionId AND community_id = @communityId";

    public Task<long?> RecorderAsync(ApproveClaim request, CancellationToken ct) =>
        ScalarAsync(Submitter, new { claimId = request.ClaimId, communityId = request.CommunityId }, ct);

    public Task<long?> RecorderAsync(RejectClaim request, CancellationToken ct) =>
        ScalarAsync(Submitter, new { claimId = request.ClaimId, communityId = request.CommunityId }, ct);

    public Task<long?> RecorderAsync(DecideObjection request, CancellationToken ct) =>
        ScalarAsync(Objector, new { objectionId = request.ObjectionId, communityId = request.CommunityId }, ct);

    private async Task<long?> ScalarAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(sql, args, cancellationToken: ct));
    }

    public static IServiceCollection AddClaimRecorders(IServiceCollection services) => services
        .AddScoped<IRecorderOf<ApproveClaim>, ClaimRecorders>()
        .AddScoped<IRecorderOf<RejectClaim>, ClaimRecorders>()
        .AddScoped<IRecorderOf<DecideObjection>, ClaimRecorders>();
}
