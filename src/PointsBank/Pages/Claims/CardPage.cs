using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Cards;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Claims;

/// <summary>
/// What the resident's claim pages reached with a card share (<c>/c/{token}/claims</c>, <c>/c/{token}/notices</c>): the
/// token resolved by the one resolver of the cards slice and the scope's caller made the card's holder (so the pipeline
/// admits the card's own requests only), nothing cached, no referrer; a malformed, unknown or revoked token is one
/// plain "card not valid" page with 404. Each write carries the card's token and the PIN the resident typed.
/// </summary>
public abstract class CardPage(IMediator mediator, CardHolders cards, CallerContext callers) : ShellPage
{
    [FromRoute]
    public string Token { get; set; } = "";

    public CardGrant? Card { get; private set; }

    public string? Error { get; protected set; }

    protected IMediator Mediator => mediator;

    protected async Task<bool> ActAsCardAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Card = await cards.ActAsAsync(callers, Token, ct);
        if (Card is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        else
        {
            await UseCommunityTimeAsync(Card.CommunityId, ct);
        }
        return Card is not null;
    }

    /// <summary>Sends a write; its value, or null with <see cref="Error"/> set in the page's language.</summary>
    protected async Task<TValue?> SendAsync<TValue>(IRequest<Outcome<TValue>> request, CancellationToken ct) where TValue : class
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                return outcome.Value;
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException)
        {
            Error = T("这张卡不能办理这件事。", "This card may not do that.");
        }
        return null;
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
