using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Claims;
using PointsBank.Features.Points;
using PointsBank.Features.Policy;
using PointsBank.Features.Rules;
using PointsBank.Infrastructure;
using PointsBank.Rules;

namespace PointsBank.Pages.Points;

/// <summary>
/// 记分与更正, step two: one account — its balance, held and available points, its history with the explanation of
/// every entry, recording by a rule of the catalogue picked by its Chinese name (first the rule, then only the facts
/// that rule asks for: a grade, minutes, an amount in its range, an evidence note), and correcting an entry with a
/// reason. Each form carries its own Idempotency-Key, so a double click or a resent form posts once.
/// </summary>
public sealed class AccountModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long AccountId { get; set; }

    [BindProperty(SupportsGet = true)]
    public int P { get; set; } = 1;

    /// <summary>The rule picked in the first step (<c>?rule=</c>), whose facts the second step asks for.</summary>
    [BindProperty(SupportsGet = true, Name = "rule")]
    public string? RuleCode { get; set; }

    /// <summary>
    /// The rules this caller's roles may record: direct ones post at once; the others (拾金不昧, 调解…) become a claim
    /// (申报) for a reviewer, then 公示, then posting. Direct awards first, then claims, then deductions.
    /// </summary>
    public IReadOnlyList<RuleView> Rules { get; private set; } = [];

    public RuleView? Rule => Rules.FirstOrDefault(r => r.Code == RuleCode);

    public BalanceView? Balance { get; private set; }

    /// <summary>
    /// Whose account this is, as the title and heading say it: "一组-01 户 · 户主 张建国" (the name masked, 张*国, for
    /// roles that may not see personal data); a person's "一组-01 · 张小明"; a shop's account by its name.
    /// </summary>
    public string Heading => Balance switch
    {
        null => T("账户", "Account"),
        { Kind: "household", HouseholdCode: { } code } b => T($"{code} 户", $"Household {code}")
            + (b.HolderName is { Length: > 0 } name ? T($" · 户主 {name}", $" · head {name}") : ""),
        { Kind: "person", HouseholdCode: var code, HolderName: { Length: > 0 } name } => code is null ? name : $"{code} · {name}",
        { } b => b.Name,
    };

    public HistoryPage? History { get; private set; }

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    /// <summary>The claim an award under a claim rule became (its link in the reviewers' queue), after the redirect.</summary>
    [TempData]
    public string? SubmittedClaim { get; set; }

    /// <summary>Corrections are the committee's (the request says so; the page only spares others a refused form).</summary>
    public bool CanCorrect => IsCommittee(CommunityId);

    /// <summary>Today in the community's own time zone, the default day of an entry (the ledger checks it in the same zone).</summary>
    public string Today => Time.TodayText;

    /// <summary>Whether the community's policy allows gifts of points (赠送): the page offers the link only then.</summary>
    public bool TransfersAllowed { get; private set; }

    /// <summary>
    /// The account's claims still waiting (待审核, 公示中), newest first — for the roles that may read claims (reviewers,
    /// the committee); none for others.
    /// </summary>
    public IReadOnlyList<ClaimView> WaitingClaims { get; private set; } = [];

    /// <summary>Every rule of the catalogue by code, to name a waiting claim's rule and what it would earn.</summary>
    public IReadOnlyDictionary<string, RuleView> AllRules { get; private set; } = new Dictionary<string, RuleView>();

    /// <summary>Cancelling a voucher (which releases its held points) is the committee's here; the request decides.</summary>
    public bool CanCancelVouchers => IsCommittee(CommunityId);

    /// <summary>
    /// What a waiting claim would earn under the rule as it reads now, asked of the rule evaluator (the posting evaluates
    /// its own version against the household's prior entries and the rule's caps, so the page says 约): null when the
    /// page cannot tell or the rule would refuse.
    /// </summary>
    public long? ExpectedPoints(ClaimView claim) =>
        AllRules.TryGetValue(claim.RuleCode, out var rule)
        && RuleEvaluator.Evaluate(rule.ToRuleVersion(), claim.Facts, [], claim.OccurredOn) is { Accepted: true } evaluation
            ? evaluation.Points
            : null;

    public string ClaimStatusWords(ClaimView claim) => claim.Status switch
    {
        ClaimStatus.Submitted => T("待审核", "Waiting for review"),
        ClaimStatus.Noticed => T($"已通过，公示中，至 {Time.Local(claim.NoticeUntil)}，期满无异议入账", $"Approved; on public notice until {Time.Local(claim.NoticeUntil)}, then posted"),
        _ => claim.Status,
    };

    public string ClaimRuleName(ClaimView claim) =>
        AllRules.TryGetValue(claim.RuleCode, out var rule) ? T(rule.NameZh, rule.NameEn) : claim.RuleCode;

    /// <summary>Cancels an open voucher of this account: its held points are released (the request checks who may).</summary>
    public async Task<IActionResult> OnPostCancelVoucherAsync(long voucherId, CancellationToken ct)
    {
        try
        {
            // Only a voucher holding this account's points: the page never cancels another account's from here.
            var balance = await mediator.Send(new GetBalance(CommunityId, AccountId), ct);
            if (balance.Value?.Holds.Any(h => h.VoucherId == voucherId) != true)
            {
                Error = T("这张兑换券不是本账户未核销的兑换券", "The voucher is not an open voucher of this account");
                await LoadRulesAsync(ct);
                await LoadAsync(ct);
                return Page();
            }
            var outcome = await mediator.Send(new Features.Redemption.CancelVoucher(CommunityId, voucherId), ct);
            if (outcome.Value is { } cancelled)
            {
                Done = T($"已取消兑换券 {cancelled.Code}，冻结的 {cancelled.Points} 分已退回可用",
                    $"Voucher {cancelled.Code} cancelled; its {cancelled.Points} held points are available again");
                return Redirect($"/points/{CommunityId}/accounts/{AccountId}");
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (Identity.ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        await LoadRulesAsync(ct);
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadRulesAsync(ct);
        await LoadAsync(ct);
        return Balance is null && Error is null ? NotFound() : Page();
    }

    /// <summary>Records by the picked rule: an award, or a deduction when the rule deducts.</summary>
    public async Task<IActionResult> OnPostRuleAsync(string? grade, int? minutes, long? points, string? evidenceNote, DateOnly? occurredOn,
        string key, bool confirmOverBalance, CancellationToken ct)
    {
        await LoadRulesAsync(ct);
        if (Rule is not { } rule)
        {
            Error = T("请先选择一条积分细则。", "Pick a rule first.");
            await LoadAsync(ct);
            return Page();
        }
        // A deduction larger than what the household has is asked about first: the policy decides what happens (by
        // default it takes what there is, and the entry says so), but the person recording it should know.
        if (Deducts(rule) && !confirmOverBalance)
        {
            await LoadAsync(ct);
            if (Balance is { } now && DeductionOf(rule, points) > now.Available)
            {
                Error = T($"这次扣分（{DeductionOf(rule, points)} 分）超过该户可用积分（{now.Available} 分），请勾选确认后再提交。",
                    $"This deduction ({DeductionOf(rule, points)}) is more than the available points ({now.Available}); tick the confirmation and send again.");
                return Page();
            }
        }
        var facts = new RuleFacts(minutes, string.IsNullOrWhiteSpace(grade) ? null : grade);
        var note = string.IsNullOrWhiteSpace(evidenceNote) ? null : evidenceNote;
        // A rule that goes through a claim is sent the same way: the award (or deduction) becomes the claim, and the
        // page says so with a link to it in the reviewers' queue.
        IRequest<Outcome<Posted>> request = Deducts(rule)
            ? new DeductPoints(CommunityId, AccountId, points, null, null, null, key ?? "", occurredOn, rule.Code, facts, note)
            : new AwardPoints(CommunityId, AccountId, points, null, null, null, key ?? "", occurredOn, rule.Code, facts, note);
        return await PostAsync(request, posted =>
        {
            var amount = posted.Postings.Single(p => p.AccountId == AccountId).Amount;
            return !Deducts(rule)
                ? T($"已按“{rule.NameZh}”奖励 {amount} 分（第 {posted.Seq} 笔）", $"Awarded {amount} points under “{rule.NameEn}” (entry {posted.Seq})")
                : T($"已按“{rule.NameZh}”扣 {-amount} 分（第 {posted.Seq} 笔）", $"Deducted {-amount} points under “{rule.NameEn}” (entry {posted.Seq})");
        }, ct);
    }

    /// <summary>How much a deduction rule would take, as far as the page can tell before the evaluator (0 when unknown).</summary>
    public static long DeductionOf(RuleView rule, long? points) => rule.Formula.Kind switch
    {
        FormulaKind.Deduction => rule.Formula.Points ?? 0,
        FormulaKind.Discretion => Math.Abs(points ?? 0),
        _ => 0,
    };

    public static bool NeedsClaim(RuleView rule) => !rule.Direct || rule.NeedsReview || rule.NeedsSecondApproval;

    public static bool Deducts(RuleView rule) =>
        rule.Formula.Kind == FormulaKind.Deduction || (rule.Formula.Kind == FormulaKind.Discretion && rule.Formula.MaxPoints < 0);

    public Task<IActionResult> OnPostCorrectAsync(long seq, string reason, string key, CancellationToken ct) =>
        PostAsync(new ReverseTransaction(CommunityId, seq, reason ?? "", key ?? ""),
            posted => T($"已更正第 {seq} 笔（第 {posted.Seq} 笔）", $"Entry {seq} corrected (entry {posted.Seq})"), ct);

    private async Task<IActionResult> PostAsync(IRequest<Outcome<Posted>> request, Func<TransactionView, string> done, CancellationToken ct)
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                if (outcome.Value!.Claim is { } claim)
                {
                    Done = T(claim.Explanation, claim.ExplanationEn);
                    SubmittedClaim = claim.ClaimId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    Done = done(outcome.Value.Transaction!);
                }
                return Redirect($"/points/{CommunityId}/accounts/{AccountId}");
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        await LoadAsync(ct);
        return Page();
    }

    // The catalogue's direct rules this caller's roles may record (the request checks again); awards before deductions.
    private async Task LoadRulesAsync(CancellationToken ct)
    {
        var rules = await mediator.Send(new ListRules(CommunityId), ct);
        AllRules = (rules.Value ?? []).ToDictionary(r => r.Code);
        var caller = HttpContext.RequestServices.GetRequiredService<Identity.CallerContext>().Current;
        var roles = caller.Grants.Where(g => g.CommunityId == CommunityId).Select(g => g.Role.ToString().ToLowerInvariant()).ToHashSet();
        Rules = (rules.Value ?? [])
            .Where(r => caller.Kind == Identity.CallerKind.System || (r.RecordedBy.Count > 0 ? r.RecordedBy : ["committee"]).Any(roles.Contains))
            .OrderBy(Deducts)
            .ThenBy(NeedsClaim)
            .ToList();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var balance = await mediator.Send(new GetBalance(CommunityId, AccountId), ct);
        if (!balance.Succeeded)
        {
            Error ??= PageText.Problem(this, balance.Failure!);
            return;
        }
        Balance = balance.Value;
        var history = await mediator.Send(new GetHistory(CommunityId, AccountId, Math.Max(1, P), GetHistory.DefaultPageSize), ct);
        History = history.Value;
        var caller = HttpContext.RequestServices.GetRequiredService<Identity.CallerContext>().Current;
        // Only a caller ListClaims admits asks for them (its own access rule, read here, not restated): a refused read by
        // signed-in staff is audited as a probe, which a page view must not leave behind.
        if (caller.Kind == Identity.CallerKind.System
            || Identity.AccessRule.For(typeof(ListClaims))!.Roles.Any(role => caller.Holds(CommunityId, role)))
        {
            WaitingClaims = ((await mediator.Send(new ListClaims(CommunityId, AccountId: AccountId), ct)).Value ?? [])
                .Where(c => c.Status is ClaimStatus.Submitted or ClaimStatus.Noticed).ToList();
        }
        if (CanCorrect)
        {
            TransfersAllowed = (await mediator.Send(new GetPolicy(CommunityId), ct)).Value?.TransfersAllowed ?? false;
        }
    }
}
