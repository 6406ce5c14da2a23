using System.Text.Json;
using PointsBank.Data;
using MediatR;
using PointsBank.Features.Claims;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Points;

/// <summary>
/// Awards and deductions by a rule of the community's catalogue (积分细则): the points come from the rule's
/// evaluator, over the account's earlier entries of that rule in the limit windows, and the ledger entry names the
/// rule, its version, the facts and the evaluation, with the evaluator's explanation in Chinese ("卫生评比 优 → +10；
/// 本月上限 20，已得 15 → 实得 +5") — so it is explained by the version that produced it, years later.
/// </summary>
internal static class ByRule
{
    // The account's entries of one rule whose effective dates lie in the year of the evaluated date, less reversed
    // ones (with their reversals): what the evaluator's day, month and year limits count.
    private const string PriorEntries = """
        SELECT t.rule_code AS RuleCode, t.effective_date AS effective_date, p.amount AS Points
          FROM ledger_transactions t
          JOIN ledger_postings p ON p.transaction_id = t.id
         WHERE t.community_id = @communityId AND p.account_id = @accountId AND t.rule_code = @ruleCode
           AND t.kind IN ('award', 'deduct') AND t.effective_date >= @yearStart AND t.effective_date <= @yearEnd
           AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.community_id = t.community_id AND r.reverses_seq = t.seq)
        """;

    /// <summary>
    /// Whether the evaluator looks at the account's earlier entries of the rule at all: only a cap or an occurrence
    /// limit counts them (<see cref="RuleEvaluator.Evaluate"/>). A rule without either needs no read of them.
    /// </summary>
    public static bool CountsPriorEntries(RuleLimits limits) =>
        limits.CapPerDay is not null || limits.CapPerMonth is not null || limits.CapPerYear is not null
        || limits.MaxPerDay is not null || limits.MaxPerMonth is not null || limits.MaxPerYear is not null;

    // Run on every award under a rule with limits: prepared once per pooled connection (UnitOfWork.Prepared), as the
    // ledger keeps its statements, instead of compiled anew by Dapper on every request.
    private static async Task<IReadOnlyList<PriorEntry>> PriorEntriesAsync(UnitOfWork work, long communityId, long accountId, string ruleCode,
        DateOnly date, CancellationToken ct)
    {
        var prior = new List<PriorEntry>();
        await using var reader = await work.Prepared(PriorEntries, ("@communityId", communityId), ("@accountId", accountId), ("@ruleCode", ruleCode),
            ("@yearStart", new DateOnly(date.Year, 1, 1).ToString(Projections.DateFormat, System.Globalization.CultureInfo.InvariantCulture)),
            ("@yearEnd", new DateOnly(date.Year, 12, 31).ToString(Projections.DateFormat, System.Globalization.CultureInfo.InvariantCulture)))
            .ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            prior.Add(new PriorEntry(reader.GetString(0), LedgerReader.EffectiveDate(reader) ?? throw new FormatException("a rule's entry has no effective date"),
                Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)));
        }
        return prior;
    }

    /// <summary>What the ledger stores as the entry's facts: what happened, and how the rule counted it.</summary>
    public sealed record StoredFacts(RuleFacts Facts, Evaluation Evaluation, string? EvidenceNote);

    /// <summary>
    /// A claim that was reviewed and (after its 公示 window) posts: the rule version it was submitted under, and no
    /// "who may record" or "needs a claim" check — a reviewer approved it. Its ledger key is derived from the claim.
    /// </summary>
    public sealed record Reviewed(long ClaimId, int RuleVersion);

    /// <param name="ledgerKey">The ledger's key, already namespaced: <c>LedgerKeys.Client(key)</c> for a client's request.</param>
    /// <param name="reviewed">Set when a reviewed claim posts (<see cref="Reviewed"/>).</param>
    public static async Task<Outcome<Posted>> PostAsync(UnitOfWork work, PointsLedger ledger, Caller caller, TransactionKind kind,
        long communityId, long accountId, string ruleCode, RuleFacts? facts, long? amount, string? evidenceNote, long? memberId,
        DateOnly? occurredOn, string ledgerKey, CancellationToken ct, Reviewed? reviewed = null, IMediator? claims = null)
    {
        // The current version is read once per request: the claim check and the direct rule's checks share it.
        var current = reviewed is null && claims is not null && work.Community is not null
            ? await RuleCatalog.CurrentAsync(work, communityId, ruleCode, ct)
            : null;
        if (current is not null && NeedsClaim(current.Rule))
        {
            return await ClaimAsync(work, claims!, kind, current, accountId, facts, amount, evidenceNote, memberId,
                occurredOn ?? Today(work), ct);
        }
        var rule = reviewed is null
            ? await DirectRuleAsync(work, caller, communityId, ruleCode, ct, current)
            : await ReviewedRuleAsync(work, communityId, ruleCode, reviewed, ct);
        if (!rule.Succeeded)
        {
            return rule.Failure!;
        }
        var entry = await EntryAsync(work, ledger, caller, kind, rule.Value!, accountId, facts, amount, evidenceNote, memberId,
            occurredOn ?? Today(work), ledgerKey, ct, reviewed);
        return entry.Succeeded ? LedgerOutcomes.From(await ledger.PostAsync(work, entry.Value!, ct)) : entry.Failure!;
    }

    // The version a reviewed claim was submitted under; the review took the place of the recorder and claim checks.
    private static async Task<Outcome<RuleVersion>> ReviewedRuleAsync(UnitOfWork work, long communityId, string ruleCode, Reviewed reviewed,
        CancellationToken ct)
    {
        if (work.Community is null)
        {
            return new Failure("community_not_found", $"community {communityId} does not exist");
        }
        return await RuleCatalog.VersionAsync(work, communityId, ruleCode, reviewed.RuleVersion, ct) is { } rule
            ? rule
            : new Failure("rule_not_found", $"community {communityId} has no rule '{ruleCode}' version {reviewed.RuleVersion}");
    }

    /// <summary>Today in the community's own time zone: the default effective date of an entry.</summary>
    public static DateOnly Today(UnitOfWork work) =>
        Projections.LocalDate(work.Now, Communities.CommunityTime.ZoneOf(work));

    /// <summary>
    /// The current version of a rule that <paramref name="caller"/> may record directly (once per request, however
    /// many entries it makes): refused when the community or rule does not exist, the caller's role may not record
    /// it, or its entries go through a claim.
    /// </summary>
    /// <param name="current">The rule's current version when the caller has just read it in this unit (null: read it here).</param>
    public static async Task<Outcome<RuleVersion>> DirectRuleAsync(UnitOfWork work, Caller caller, long communityId, string ruleCode,
        CancellationToken ct, RuleVersion? current = null)
    {
        if (work.Community is null)
        {
            return new Failure("community_not_found", $"community {communityId} does not exist");
        }
        if ((current ?? await RuleCatalog.CurrentAsync(work, communityId, ruleCode, ct)) is not { } rule)
        {
            return new Failure("rule_not_found", $"community {communityId} has no rule '{ruleCode}'");
        }
        if (!MayRecord(caller, communityId, rule.Rule))
        {
            return new Failure("rule_not_recordable", $"{caller.Actor} may not record '{ruleCode}' (recorded by: {string.Join(", ", rule.Rule.RecordedBy ?? [])})");
        }
        if (NeedsClaim(rule.Rule))
        {
            return new Failure("rule_needs_claim", $"'{ruleCode}' is not a direct rule: its entries go through a claim and review");
        }
        return rule;
    }

    /// <summary>A rule that is not direct, or needs review or a second person's approval: its entries go through a claim.</summary>
    public static bool NeedsClaim(RuleDefinition rule) => !rule.Direct || rule.NeedsReview || rule.NeedsSecondApproval;

    /// <summary>
    /// An award or deduction under a rule whose entries go through a claim (<see cref="NeedsClaim"/>) becomes that claim:
    /// the same checks a claim gets at its posting that do not depend on the account's earlier entries (an explicit
    /// amount only for a discretionary rule and within its range, a grade the rule knows, an award rule on the awards
    /// route and a deduction rule on the deductions route) refuse it now; then <see cref="SubmitClaim"/> is sent from
    /// inside this request (it joins the unit, so the claim and the award's Idempotency-Key commit together), with the
    /// caller as the submitter — who therefore cannot approve it. The points are evaluated again when the approved
    /// claim posts after its 公示 window, over the entries of that day.
    /// </summary>
    private static async Task<Outcome<Posted>> ClaimAsync(UnitOfWork work, IMediator claims, TransactionKind kind, RuleVersion rule,
        long accountId, RuleFacts? facts, long? amount, string? evidenceNote, long? memberId, DateOnly date, CancellationToken ct)
    {
        if (AmountNotAllowed(rule, amount ?? facts?.Amount) is { } notAllowed)
        {
            return notAllowed;
        }
        var given = (facts ?? RuleFacts.None) with { Amount = amount ?? facts?.Amount };
        var evaluation = RuleEvaluator.Evaluate(rule, given, [], date);
        if (!evaluation.Accepted)
        {
            return new Failure("rule_refused", evaluation.En());
        }
        if (kind == TransactionKind.Award ? evaluation.Points < 0 : evaluation.Points > 0)
        {
            return new Failure(kind == TransactionKind.Award ? "rule_is_a_deduction" : "rule_is_an_award",
                $"'{rule.Code}' gives {evaluation.Points} points: use {(kind == TransactionKind.Award ? "deductions" : "awards")}");
        }
        var communityId = work.CommunityId ?? 0;
        var claim = await claims.Send(new SubmitClaim(communityId, accountId, memberId, rule.Code, given, date, evidenceNote), ct);
        return claim.Succeeded ? new Posted(null, false, ClaimSubmitted.From(claim.Value!)) : claim.Failure!;
    }

    /// <summary>
    /// The ledger entry (postings included) of one occurrence under <paramref name="rule"/> on one account: the
    /// evaluator over the account's earlier entries of the rule (reversed ones left out) on <paramref name="date"/>,
    /// explained by it, under the ledger key <paramref name="ledgerKey"/> (already namespaced). Nothing is posted: a
    /// single award posts it at once, a batch (hygiene inspections) posts all of its entries together.
    /// </summary>
    public static async Task<Outcome<LedgerEntry>> EntryAsync(UnitOfWork work, PointsLedger ledger, Caller caller, TransactionKind kind,
        RuleVersion rule, long accountId, RuleFacts? facts, long? amount, string? evidenceNote, long? memberId, DateOnly date,
        string ledgerKey, CancellationToken ct, Reviewed? reviewed = null)
    {
        var communityId = work.CommunityId ?? 0;
        var ruleCode = rule.Code;
        if (rule.Rule.NeedsEvidence && string.IsNullOrWhiteSpace(evidenceNote))
        {
            return new Failure("evidence_required", $"'{ruleCode}' needs an evidence note");
        }
        if (reviewed is null && AmountNotAllowed(rule, amount ?? facts?.Amount) is { } notAllowed)
        {
            return notAllowed;
        }
        var prior = CountsPriorEntries(rule.Rule.EffectiveLimits)
            ? await PriorEntriesAsync(work, communityId, accountId, ruleCode, date, ct)
            : [];
        var given = (facts ?? RuleFacts.None) with { Amount = amount ?? facts?.Amount };
        var evaluation = RuleEvaluator.Evaluate(rule, given, prior, date);
        if (!evaluation.Accepted)
        {
            return new Failure("rule_refused", evaluation.En());
        }
        if (reviewed is not null)
        {
            // A claim may be for an award or a deduction: the rule's points say which.
            kind = evaluation.Points < 0 ? TransactionKind.Deduct : TransactionKind.Award;
        }
        if (kind == TransactionKind.Award ? evaluation.Points < 0 : evaluation.Points > 0)
        {
            return new Failure(kind == TransactionKind.Award ? "rule_is_a_deduction" : "rule_is_an_award",
                $"'{ruleCode}' gives {evaluation.Points} points: use {(kind == TransactionKind.Award ? "deductions" : "awards")}");
        }
        var note = evidenceNote?.Trim();
        var explanation = string.IsNullOrEmpty(note) ? evaluation.Zh() : $"{evaluation.Zh()}（{note}）";
        if (reviewed is not null)
        {
            explanation += $"；申报 #{reviewed.ClaimId.ToString(System.Globalization.CultureInfo.InvariantCulture)} 经审核公示";
        }
        var entry = new LedgerEntry(communityId, kind, rule.Rule.Category, ledgerKey, explanation, caller.Actor, [],
            memberId, rule.Code, rule.Version, JsonSerializer.Serialize(new StoredFacts(given, evaluation, note), RuleJson.Options),
            given.Minutes is { } minutes && rule.Rule.Category == Categories.Volunteer ? minutes : null, date);
        return await PointsRequest.WithPostingsAsync(ledger, accountId,
            kind == TransactionKind.Award ? SystemAccount.Issuance : SystemAccount.Penalty, Math.Abs(evaluation.Points), entry, ct);
    }

    /// <summary>
    /// An explicit amount (<c>points</c>, or <c>facts.amount</c>) is the committee's to name only under a rule whose
    /// formula asks for one — a discretionary amount within a range; any other formula gives its own points, and an
    /// amount beside it is refused rather than silently ignored (<c>points_not_allowed</c>).
    /// </summary>
    public static Failure? AmountNotAllowed(RuleVersion rule, long? amount) =>
        amount is not null && rule.Rule.Formula.Kind != FormulaKind.Discretion
            ? new Failure("points_not_allowed",
                $"'{rule.Code}' is a {JsonSerializer.Serialize(rule.Rule.Formula.Kind, RuleJson.Options).Trim('"')} rule: its evaluator gives the points; an explicit amount is only for a discretionary rule")
            : null;

    // The rule names the roles that may record it; none named means the committee. The operator at the command line
    // (and the background jobs) may record anything.
    private static bool MayRecord(Caller caller, long communityId, RuleDefinition rule)
    {
        if (caller.Kind == CallerKind.System)
        {
            return true;
        }
        var roles = rule.RecordedBy is { Count: > 0 } named ? named : [Role.Committee.ToDb()];
        return caller.Grants.Any(g => g.CommunityId == communityId && roles.Contains(g.Role.ToDb()))
               || (caller.IsSystemAdmin && roles.Contains(Role.Admin.ToDb()));
    }
}
