using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Cards;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Cards;

/// <summary>
/// The A4 sheet of a grid's active cards, credit-card size (85.6 × 54 mm) with cut marks, eight to a sheet; and one
/// button that issues cards to the grid's households (or residents) that have none, in one request.
/// </summary>
public sealed class SheetModel(IMediator mediator) : ShellPage
{
    public const int CardsPerSheet = 8;

    [FromRoute]
    public long CommunityId { get; set; }

    [BindProperty(SupportsGet = true)]
    public long GridId { get; set; }

    public GridCardSheet? Sheet { get; private set; }

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public IEnumerable<PrintedCard[]> Sheets =>
        (Sheet?.Cards ?? []).Select(label => new PrintedCard(CommunityId, Sheet!.CommunityName, label)).Chunk(CardsPerSheet);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostIssueAsync(CancellationToken ct)
    {
        var issued = await mediator.Send(new IssueGridCards(CommunityId, GridId), ct);
        if (issued.Succeeded)
        {
            Done = T($"已为 {issued.Value!.Issued} 户（人）发卡。", $"Issued {issued.Value!.Issued} cards.");
            return Redirect($"/cards/{CommunityId}/sheet?gridId={GridId}");
        }
        Error = PageText.Problem(this, issued.Failure!);
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var sheet = await mediator.Send(new GetGridCards(CommunityId, GridId), ct);
        if (sheet.Succeeded)
        {
            Sheet = sheet.Value;
        }
        else
        {
            Error ??= PageText.Problem(this, sheet.Failure!);
        }
    }
}
