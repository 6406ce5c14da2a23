using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Cards;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Rankings;

/// <summary>
/// The printable A4 poster of a published board: the month, the community's name, the top N (<c>?top=</c>, default
/// 20), the root hash and a QR to the public page, where anyone can read the whole board and check a row's proof.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class PosterModel(IMediator mediator, CardLinks links) : PublicBoard(mediator, links)
{
    public const int DefaultTop = 20;

    [BindProperty(SupportsGet = true)]
    public int Top { get; set; } = DefaultTop;

    public string QrDataUri => QrCodes.PngDataUri(PublicUrl, 8);

    public Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Top = Math.Clamp(Top, 1, 50);
        return LoadAsync(ct);
    }
}
