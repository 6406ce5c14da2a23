using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Township;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Pages.Township;

/// <summary>
/// 镇/街道概况 (the township's): the communities the user oversees side by side for a month — participation, points
/// issued, redeemed and deducted, goods donated — ranked, with a CSV download. Totals only: no one's name or phone.
/// </summary>
public sealed class IndexModel(IMediator mediator, TimeProvider clock) : ShellPage
{
    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    public TownshipSummary? Summary { get; private set; }

    public string? Error { get; private set; }

    public string ThisMonth => Projections.Month(clock.GetUtcNow().UtcDateTime, Projections.Zone("Asia/Shanghai"));

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Month = string.IsNullOrWhiteSpace(Month) ? ThisMonth : Month.Trim();
        try
        {
            var summary = await mediator.Send(new GetTownshipSummary(Month), ct);
            Summary = summary.Value;
            if (!summary.Succeeded)
            {
                Error = PageText.Problem(this, summary.Failure!);
            }
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        return Page();
    }
}
