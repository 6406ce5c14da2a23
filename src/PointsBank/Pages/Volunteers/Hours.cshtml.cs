using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Volunteers;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Volunteers;

/// <summary>志愿时长榜 (<c>/p/{c}/volunteer-hours/{yyyy-MM}</c>): the month's certified hours per volunteer, names masked; public.</summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class HoursModel(IMediator mediator) : VolunteerPage(mediator)
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public string Month { get; set; } = "";

    public VolunteerHoursRanking? Ranking { get; private set; }

    public string Previous => DateOnly.TryParseExact(Month + "-01", "yyyy-MM-dd", out var d) ? d.AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) : Month;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Ranking = await SendAsync(new GetVolunteerHoursRanking(CommunityId, Month), ct);
        return Ranking is null ? NotFound() : Page();
    }
}
