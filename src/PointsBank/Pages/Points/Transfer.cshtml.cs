using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Accounts;
using PointsBank.Features.Points;
using PointsBank.Features.Policy;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Points;

/// <summary>
/// 赠送积分: the committee records, on a resident's written request, a gift of points from this account to family or
/// (when the policy allows it) to a neighbour: first find the receiving household by door-plate code or name, then the
/// points and whose request it was. The ledger refuses a gift the giver cannot cover; the policy decides who may
/// receive. One form, one Idempotency-Key: a resent form gives once.
/// </summary>
public sealed class TransferModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long AccountId { get; set; }

    /// <summary>What the committee typed to find the receiver (<c>?q=</c>).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>The receiving account once picked (<c>?to=</c>).</summary>
    [BindProperty(SupportsGet = true)]
    public long? To { get; set; }

    public BalanceView? From { get; private set; }

    public BalanceView? Receiver { get; private set; }

    public CommunityPolicy? Policy { get; private set; }

    public IReadOnlyList<AccountMatch> Matches { get; private set; } = [];

    public string? Error { get; private set; }

    public string Today => Time.TodayText;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return From is null && Error is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(long points, string? note, DateOnly? occurredOn, string key, CancellationToken ct)
    {
        if (To is not { } to)
        {
            Error = T("请先选择接受赠送的户。", "Pick who receives the points first.");
            await LoadAsync(ct);
            return Page();
        }
        try
        {
            var outcome = await mediator.Send(new TransferPoints(CommunityId, AccountId, to, points, note ?? "", key ?? "", occurredOn), ct);
            if (outcome.Succeeded)
            {
                var seq = outcome.Value!.Transaction!.Seq;
                TempData["Done"] = T($"已赠送 {points} 分（第 {seq} 笔）", $"Gave {points} points (entry {seq})");
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

    private async Task LoadAsync(CancellationToken ct)
    {
        var from = await mediator.Send(new GetBalance(CommunityId, AccountId), ct);
        if (!from.Succeeded)
        {
            Error ??= PageText.Problem(this, from.Failure!);
            return;
        }
        From = from.Value;
        Policy = (await mediator.Send(new GetPolicy(CommunityId), ct)).Value;
        if (To is { } to)
        {
            var receiver = await mediator.Send(new GetBalance(CommunityId, to), ct);
            Receiver = receiver.Value;
            if (!receiver.Succeeded)
            {
                Error ??= PageText.Problem(this, receiver.Failure!);
            }
        }
        else if (Q is { Length: > 0 } q)
        {
            try
            {
                var found = await mediator.Send(new FindAccounts(CommunityId, q.Trim(), null, 1, 20), ct);
                Matches = (found.Value?.Items ?? []).Where(m => m.AccountId != AccountId).ToList();
            }
            catch (RequestValidationException e)
            {
                Error ??= PageText.Invalid(this, e);
            }
        }
    }
}
