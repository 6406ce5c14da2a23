using System.Globalization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Cards;
using PointsBank.Features.Rankings;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Rankings;

/// <summary>
/// What the public page and the poster share: the latest published revision of a month (or the one asked for), and the
/// public page's own URL from the same base as a card's QR (<see cref="CardLinks.BaseUrl"/>).
/// </summary>
public abstract class PublicBoard(IMediator mediator, CardLinks links) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public string Month { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public int? Revision { get; set; }

    public RankingRevisionView? Board { get; private set; }

    public string PublicUrl => $"{links.BaseUrl()}/p/{CommunityId.ToString(CultureInfo.InvariantCulture)}/rankings/{Month}";

    /// <summary>"2026年11月" / "November 2026".</summary>
    public string MonthTitle => DateOnly.TryParseExact(Month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
        ? T($"{d.Year}年{d.Month}月", d.ToString("MMMM yyyy", CultureInfo.InvariantCulture))
        : Month;

    /// <summary>A hash short enough to read aloud and compare by eye: its first and last eight digits ("89b593d3…f2690eb2").</summary>
    public static string Short(string hash) => hash.Length <= 16 ? hash : $"{hash[..8]}…{hash[^8..]}";

    /// <summary>Volunteer minutes as hours with one decimal (150 → "2.5"), empty for none: the unit of every ranking page.</summary>
    public static string Minutes(long minutes) => minutes == 0 ? "" : (minutes / 60m).ToString("0.#", CultureInfo.InvariantCulture);

    protected async Task<IActionResult> LoadAsync(CancellationToken ct)
    {
        Outcome<RankingRevisionView>? board = null;
        try
        {
            board = await mediator.Send(new GetRankingRevision(CommunityId, Month, Revision), ct);
        }
        catch (RequestValidationException)
        {
        }
        Board = board?.Value;
        if (Board is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        return Page();
    }
}
