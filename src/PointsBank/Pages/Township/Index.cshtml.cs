using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Features.Township;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Pages.Township;

/// <summary>
/// 镇/街道概况 (the township's): the communities the user oversees side by side for a month — participation, points
/// issued, redeemed and deducted, goods donated — ranked, with a CSV download. Totals only: no one's name or phone.
/// A month is each community's own (its aggregates count by its time zone); the month shown first is the latest one
/// that has begun in any of them (at a month's turn, a village further west is still in the month before) — or the
/// month before it during its first ten days, when a month's figures are complete —, and the page names the zones.
/// </summary>
public sealed class IndexModel(IMediator mediator, CommunityClock clocks, CallerContext callers, TimeProvider clock) : ShellPage
{
    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    public TownshipSummary? Summary { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The overseen communities' own clocks (UTC alone when the user oversees none).</summary>
    public IReadOnlyList<CommunityTime> Clocks { get; private set; } = [];

    /// <summary>The latest month begun in any overseen community: the default and the latest month to pick.</summary>
    public string ThisMonth => Clocks.Max(c => c.ThisMonth)!;

    /// <summary>The month before <see cref="ThisMonth"/>.</summary>
    public string LastMonth => MonthEnd.MonthBefore(DateOnly.ParseExact(ThisMonth + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The month the page opens on: last month during the first <see cref="MonthEnd.Days"/> days of the latest month
    /// begun (in the community where it began), else that month.
    /// </summary>
    public string DefaultMonth => Clocks.Where(c => c.ThisMonth == ThisMonth).Max(c => c.Today.Day) <= MonthEnd.Days ? LastMonth : ThisMonth;

    /// <summary>The time zones the months are counted in, for the page to say.</summary>
    public string Zones => string.Join("、", Clocks.DistinctBy(c => c.Zone.Id).OrderBy(c => c.Zone.Id, StringComparer.Ordinal)
        .Select(c => T(c.ZoneName.Zh, c.ZoneName.En)));

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var overseen = callers.Current.Grants.Where(g => g is { Role: Role.Township, CommunityId: not null })
            .Select(g => g.CommunityId!.Value).Distinct().Order().ToList();
        var read = new List<CommunityTime>();
        foreach (var id in overseen)
        {
            read.Add(await clocks.ForAsync(id, ct));
        }
        Clocks = read.Count > 0 ? read : [new CommunityTime(TimeZoneInfo.Utc, Data.Clock.Now(clock))];
        Month = string.IsNullOrWhiteSpace(Month) ? DefaultMonth : Month.Trim();
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
