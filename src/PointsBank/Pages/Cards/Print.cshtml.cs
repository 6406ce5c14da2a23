using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Cards;

namespace PointsBank.Pages.Cards;

/// <summary>One card to print (the committee's printer, or a PDF): credit-card size, the QR from the API by URL.</summary>
public sealed class PrintModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long CardId { get; set; }

    public PrintedCard? Card { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var label = await mediator.Send(new GetCardLabel(CommunityId, CardId), ct);
        if (!label.Succeeded)
        {
            Error = PageText.Problem(this, label.Failure!);
            return Page();
        }
        var holder = await mediator.Send(new GetCardHolder(CommunityId, label.Value!.AccountId), ct);
        Card = new PrintedCard(CommunityId, holder.Value?.CommunityName ?? "", label.Value);
        return Page();
    }
}
