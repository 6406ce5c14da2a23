using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Data;
using PointsBank.Features.Volunteers;

namespace PointsBank.Pages.Volunteers;

/// <summary>
/// 志愿活动 (<c>/volunteers/{c}</c>): the organizer's activities, newest first, each linked to its scan page; a form to
/// publish one (local day and times, place, content, capacity, open for check-in now); the volunteers with hours and
/// star level (registering one with their consent); hour claims and correction requests waiting for a decision.
/// </summary>
public sealed class IndexModel(IMediator mediator) : VolunteerPage(mediator)
{
    [FromRoute]
    public long CommunityId { get; set; }

    public IReadOnlyList<ActivityView> Activities { get; private set; } = [];

    public IReadOnlyList<VolunteerView> Volunteers { get; private set; } = [];

    public IReadOnlyList<HourClaimView> Claims { get; private set; } = [];

    public IReadOnlyList<CorrectionView> Corrections { get; private set; } = [];

    [TempData]
    public string? Done { get; set; }

    public string Month => Time.ThisMonth;

    public string Today => Time.TodayText;

    /// <summary>Who to register: a name or door-plate code, searched as on 记分与更正 (FindAccounts).</summary>
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Q { get; set; }

    /// <summary>The residents the search found (a household found by its door plate gives all its members).</summary>
    public IReadOnlyList<Candidate> Candidates { get; private set; } = [];

    public sealed record Candidate(long ResidentId, string Name, string? HouseholdCode, bool IsVolunteer);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        await FindAsync(ct);
        return Page();
    }

    private async Task FindAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Q))
        {
            return;
        }
        var error = Error;
        var found = await SendAsync(new Features.Accounts.FindAccounts(CommunityId, Q.Trim(), null, 1, 20), ct);
        var volunteers = Volunteers.Select(v => v.ResidentId).ToHashSet();
        var candidates = new List<Candidate>();
        foreach (var match in found?.Items ?? [])
        {
            if (match.ResidentId is { } resident)
            {
                candidates.Add(new Candidate(resident, match.ResidentName ?? "", match.HouseholdCode, volunteers.Contains(resident)));
            }
            else if (match.HouseholdId is { } household
                && await SendAsync(new Features.Communities.ListResidents(CommunityId, HouseholdId: household), ct) is { } members)
            {
                candidates.AddRange(members.Items.Select(m => new Candidate(m.Id, m.FullName, match.HouseholdCode, volunteers.Contains(m.Id))));
            }
        }
        Candidates = candidates.DistinctBy(c => c.ResidentId).ToList();
        Error = error ?? Error;
    }

    public async Task<IActionResult> OnPostCreateAsync(string? title, string? content, string? place, string? day, string? from, string? to, int? capacity,
        bool open, string? key, CancellationToken ct)
    {
        var (start, end) = (Instant(day, from), Instant(day, to));
        if (start is null || end is null)
        {
            Error = T("请填写活动日期和开始、结束时间", "Enter the day and the start and end times");
        }
        else
        {
            // An activity that runs past midnight ends the next day.
            var ends = end <= start ? end.Value.AddDays(1) : end.Value;
            if (await SendAsync(new CreateActivity(CommunityId, title ?? "", content ?? "", place ?? "", start.Value, ends, "volunteer_service", capacity, open,
                    key), ct)
                is { } created)
            {
                return Redirect($"/volunteers/{CommunityId}/activities/{created.Id}");
            }
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostEnrollAsync(long residentId, string? consentNote, CancellationToken ct)
    {
        if (await SendAsync(new EnrollVolunteer(CommunityId, residentId, consentNote ?? "", DateOnly.ParseExact(Today, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), ct) is { } v)
        {
            Done = T($"已登记志愿者 {v.VolunteerNo}", $"Volunteer {v.VolunteerNo} registered");
            return Redirect($"/volunteers/{CommunityId}");
        }
        await LoadAsync(ct);
        await FindAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostConfirmAsync(long claimId, CancellationToken ct) =>
        DecideAsync(new ConfirmHourClaim(CommunityId, claimId), T($"补报 #{claimId} 已确认，生成志愿服务记录", $"Claim #{claimId} confirmed"), ct);

    public Task<IActionResult> OnPostRejectAsync(long claimId, string? reason, CancellationToken ct) =>
        DecideAsync(new RejectHourClaim(CommunityId, claimId, reason ?? ""), T($"补报 #{claimId} 未确认", $"Claim #{claimId} rejected"), ct);

    public Task<IActionResult> OnPostCorrectionAsync(long correctionId, bool accept, string? reason, CancellationToken ct) =>
        DecideAsync(new DecideCorrection(CommunityId, correctionId, accept, reason ?? ""),
            accept ? T($"更正 #{correctionId} 已同意，新记录取代原记录", $"Correction #{correctionId} accepted") : T($"更正 #{correctionId} 未同意", $"Correction #{correctionId} rejected"), ct);

    private async Task<IActionResult> DecideAsync<T>(IRequest<Infrastructure.Outcome<T>> request, string done, CancellationToken ct) where T : class
    {
        if (await SendAsync(request, ct) is not null)
        {
            Done = done;
            return Redirect($"/volunteers/{CommunityId}");
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var error = Error;
        Activities = await SendAsync(new ListActivities(CommunityId), ct) ?? [];
        Volunteers = await SendAsync(new ListVolunteers(CommunityId), ct) ?? [];
        Claims = await SendAsync(new ListHourClaims(CommunityId, "submitted"), ct) ?? [];
        Corrections = await SendAsync(new ListCorrections(CommunityId, "requested"), ct) ?? [];
        Error = error ?? Error;
    }
}
