using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Cards;
using PointsBank.Features.Points;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Cards;

/// <summary>
/// 积分卡 of one account, for the committee: the active card's state; issue one, or 补办 (a new card, the old one
/// revoked — asked to confirm first); set the PIN with the resident; unlock after wrong PINs; 挂失; print the card.
/// </summary>
public sealed class AccountModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long AccountId { get; set; }

    public BalanceView? Account { get; private set; }

    public CardStatus? Card { get; private set; }

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Account is null && Error is null ? NotFound() : Page();
    }

    /// <summary>
    /// 发卡, or 补办 when <c>confirmReplace</c> is ticked (unticked, an account that has a card keeps it: <c>card_exists</c>,
    /// checked inside the request after its key's replay). The form's one-time key makes a double click issue one card:
    /// the second post replays the first answer (the same message), never a second card that revokes the printed one.
    /// </summary>
    public Task<IActionResult> OnPostIssueAsync(bool confirmReplace, string? key, CancellationToken ct) =>
        SendAsync(new IssueCard(CommunityId, AccountId, key, FirstCardOnly: !confirmReplace),
            issued => issued.ReplacedCardId is { } old
                ? T($"已补办新卡（第 {issued.CardId} 号），旧卡（第 {old} 号）已作废。请打印新卡。", $"New card {issued.CardId} issued; the old card {old} no longer works. Print the new card.")
                : T($"已发卡（第 {issued.CardId} 号），还没有密码。请先设置密码，再打印这张卡。", $"Card {issued.CardId} issued, without a PIN yet. Set the PIN, then print it."), ct, pinNext: true);

    public Task<IActionResult> OnPostPinAsync(long cardId, string? pin, CancellationToken ct) =>
        SendAsync(new SetCardPin(CommunityId, cardId, pin ?? ""), _ => T("密码已设置。", "The PIN is set."), ct);

    public Task<IActionResult> OnPostUnlockAsync(long cardId, string? reason, CancellationToken ct) =>
        SendAsync(new UnlockCard(CommunityId, cardId, reason ?? ""), _ => T("已解锁。", "The card is unlocked."), ct);

    public Task<IActionResult> OnPostRevokeAsync(long cardId, string? reason, CancellationToken ct) =>
        SendAsync(new RevokeCard(CommunityId, cardId, reason ?? ""), _ => T("已挂失，这张卡不能再用。", "The card is revoked and no longer works."), ct);

    /// <summary>
    /// Set by the redirect after 发卡/补办: a new card never has a PIN, and a card without one cannot order or pay, so
    /// the page says so beside the message and takes the committee member to the PIN form.
    /// </summary>
    [TempData]
    public bool? PinNext { get; set; }

    private async Task<IActionResult> SendAsync<TValue>(IRequest<Outcome<TValue>> request, Func<TValue, string> done, CancellationToken ct,
        bool pinNext = false)
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                Done = done(outcome.Value!);
                PinNext = pinNext ? true : null;
                return Redirect($"/cards/{CommunityId}/{AccountId}");
            }
            Error = outcome.Failure!.Code == "card_exists"
                ? T("补办新卡会让旧卡立即作废，请勾选确认后再提交。", "A new card revokes the old one at once: tick the confirmation and send again.")
                : PageText.Problem(this, outcome.Failure!);
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
        var account = await mediator.Send(new GetBalance(CommunityId, AccountId), ct);
        if (!account.Succeeded)
        {
            Error ??= PageText.Problem(this, account.Failure!);
            return;
        }
        Account = account.Value;
        var card = await mediator.Send(new GetAccountCard(CommunityId, AccountId), ct);
        Card = card.Value;
        if (!card.Succeeded && card.Failure!.Code != "card_not_found")
        {
            Error ??= PageText.Problem(this, card.Failure!);
        }
    }

}
