using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Cards;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Rankings;

/// <summary>
/// 积分榜证明, from the resident's card page: for each published board their account is on, their row, its place and
/// the sibling hashes up to the root printed on the poster — what docs/rankings.md §3.3 checks by hand. The token makes
/// the caller the card holder (<see cref="CardHolders"/>), as on the card page; an invalid card gets 404.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class CardProofsModel(IMediator mediator, CardHolders cards, CallerContext callers) : ShellPage
{
    [FromRoute]
    public string Token { get; set; } = "";

    public bool Valid { get; private set; }

    public IReadOnlyList<AccountRankingProofs> Boards { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        if (await cards.ActAsAsync(callers, Token, ct) is { } card
            && await mediator.Send(new GetAccountRankingProofs(card.CommunityId, card.AccountId), ct) is { Succeeded: true } proofs)
        {
            (Valid, Boards) = (true, proofs.Value!);
            return Page();
        }
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }
}
