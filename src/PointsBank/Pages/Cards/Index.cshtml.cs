using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;

namespace PointsBank.Pages.Cards;

/// <summary>积分卡 for the committee: the community's grids, each with its printable A4 sheet of cards.</summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    public IReadOnlyList<GridView> Grids { get; private set; } = [];

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var grids = await mediator.Send(new ListGrids(CommunityId, PageSize: Infrastructure.Paging.MaxPageSize), ct);
        if (!grids.Succeeded)
        {
            Error = PageText.Problem(this, grids.Failure!);
            return Page();
        }
        Grids = grids.Value!.Items;
        return Page();
    }
}
