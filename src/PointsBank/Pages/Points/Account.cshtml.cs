using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Points;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Pages.Points;

/// <summary>
/// 记分与更正, step two: one account — its balance, held and available points, its history with the explanation of
/// every entry, and forms to award or deduct points and to correct an entry with a reason. Each form carries its own
/// Idempotency-Key, so a double click or a resent form posts once.
/// </summary>
public sealed class AccountModel(IMediator mediator, TimeProvider clock) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long AccountId { get; set; }

    [BindProperty(SupportsGet = true)]
    public int P { get; set; } = 1;

    public BalanceView? Balance { get; private set; }

    public HistoryPage? History { get; private set; }

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    /// <summary>Corrections are the committee's (the request says so; the page only spares others a refused form).</summary>
    public bool CanCorrect =>
        HttpContext.RequestServices.GetRequiredService<Identity.CallerContext>().Current is var caller
        && (caller.Kind == Identity.CallerKind.System || caller.Holds(CommunityId, Identity.Role.Committee));

    /// <summary>A fresh key for each form shown; the same key comes back if the form is sent twice.</summary>
    public string FormKey { get; } = $"page-{Guid.NewGuid():N}";

    /// <summary>Today in China, the default day of an entry (the ledger checks it against the community's own zone).</summary>
    public string Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), Projections.Zone("Asia/Shanghai")).DateTime)
        .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Balance is null && Error is null ? NotFound() : Page();
    }

    public Task<IActionResult> OnPostAwardAsync(long points, string reason, string category, DateOnly? occurredOn, string key,
        CancellationToken ct) =>
        PostAsync(new AwardPoints(CommunityId, AccountId, points, reason ?? "", category ?? Categories.GoodDeed, null, key ?? "", occurredOn),
            posted => T($"已奖励 {posted.Postings.Single(p => p.AccountId == AccountId).Amount} 分（第 {posted.Seq} 笔）",
                $"Awarded {posted.Postings.Single(p => p.AccountId == AccountId).Amount} points (entry {posted.Seq})"), ct);

    public Task<IActionResult> OnPostDeductAsync(long points, string reason, DateOnly? occurredOn, string key, CancellationToken ct) =>
        PostAsync(new DeductPoints(CommunityId, AccountId, points, reason ?? "", Categories.Deduction, null, key ?? "", occurredOn),
            posted => T($"已扣 {-posted.Postings.Single(p => p.AccountId == AccountId).Amount} 分（第 {posted.Seq} 笔）",
                $"Deducted {-posted.Postings.Single(p => p.AccountId == AccountId).Amount} points (entry {posted.Seq})"), ct);

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
                Done = done(outcome.Value!.Transaction);
                return RedirectToPage(new { CommunityId, AccountId });
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
    }
}
