using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Volunteers;

namespace PointsBank.Pages.Volunteers;

/// <summary>
/// 志愿服务记录清单 (<c>/volunteers/{c}/records/{residentId}</c>): one volunteer's records with the national recording
/// fields, printable on A4, with the CSV of the same list. A list for the committee to check — it says so and is
/// never called a certificate: the committee decides what it certifies, and seals that itself.
/// </summary>
public sealed class RecordsModel(IMediator mediator) : VolunteerPage(mediator)
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long ResidentId { get; set; }

    public VolunteerRecordsView? View { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        View = await SendAsync(new GetVolunteerRecords(CommunityId, ResidentId), ct);
        return View is null ? NotFound() : Page();
    }
}
