using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Cards;
using PointsBank.Features.Volunteers;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Pages.Claims;

namespace PointsBank.Pages.Volunteers;

/// <summary>
/// The volunteer's own page, <c>/c/{token}/volunteering</c> (no sign-in; the card is the proof, its PIN the second):
/// 补报时长 — pick a recent activity, the start and end, a note and the PIN — and 申请更正 under each record — a reason,
/// the start and end as they should be (optional) and the PIN; then the claims and corrections with their status
/// (待确认 / 已确认 / 未同意 with the organizer's reason). The organizer decides on <c>/volunteers/{c}</c>.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class CardVolunteeringModel(IMediator mediator, CardHolders cards, CallerContext callers) : CardPage(mediator, cards, callers)
{
    public CardVolunteering? Data { get; private set; }

    /// <summary>What was just done (after the redirect): <c>claimed</c> or <c>corrected</c>.</summary>
    [BindProperty(SupportsGet = true, Name = "ok")]
    public string? Ok { get; set; }

    // The claim form's values, kept when a submission is refused.
    [BindProperty]
    public long? ActivityId { get; set; }

    [BindProperty]
    public long? ResidentId { get; set; }

    [BindProperty]
    public string? ServiceDay { get; set; }

    [BindProperty]
    public string? From { get; set; }

    [BindProperty]
    public string? To { get; set; }

    [BindProperty]
    public string? Note { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostClaimAsync(string? pin, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return Page();
        }
        var (start, end) = Span(ServiceDay, From, To);
        if (ActivityId is not { } activity || start is null || end is null)
        {
            Error = T("请选择活动，并填写日期和开始、结束时间。", "Pick the activity and fill in the day, start and end.");
            return Page();
        }
        var claim = await SendAsync(new SubmitHourClaim(Card!.CommunityId, activity, start.Value, end.Value, Note ?? "",
            ResidentId, Token, pin ?? ""), ct);
        if (claim is null)
        {
            await LoadAsync(ct);
            return Page();
        }
        return Redirect($"/c/{Uri.EscapeDataString(Token)}/volunteering?ok=claimed");
    }

    public async Task<IActionResult> OnPostCorrectionAsync(long recordId, string? reason, string? day, string? from, string? to, string? pin,
        CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return Page();
        }
        var (start, end) = Span(day, from, to);
        var wantsTimes = !string.IsNullOrWhiteSpace(from) || !string.IsNullOrWhiteSpace(to);
        if (wantsTimes && (start is null || end is null))
        {
            Error = T("更正的时间请填写日期和开始、结束时间，或都不填。", "For corrected times fill in the day, start and end, or none of them.");
            return Page();
        }
        var correction = await SendAsync(new RequestCorrection(Card!.CommunityId, recordId, reason ?? "", start, end, Token, pin ?? ""), ct);
        if (correction is null)
        {
            await LoadAsync(ct);
            return Page();
        }
        return Redirect($"/c/{Uri.EscapeDataString(Token)}/volunteering?ok=corrected");
    }

    /// <summary>A local day with a start and end time as instants; an end not after the start is on the next day (past midnight).</summary>
    private (DateTimeOffset? Start, DateTimeOffset? End) Span(string? day, string? from, string? to)
    {
        var start = Time.Instant(day, from);
        var end = Time.Instant(day, to);
        if (start is { } s && end is { } e && e <= s)
        {
            end = e.AddDays(1);
        }
        return (start, end);
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (!await ActAsCardAsync(ct))
        {
            return false;
        }
        Data = (await Mediator.Send(new GetCardVolunteering(Card!.CommunityId, Card.AccountId), ct)).Value;
        return Data is not null;
    }

    public string? Message => Ok switch
    {
        "claimed" => T("补报已提交，等待活动组织者确认。确认后计入志愿服务记录。", "Hours claimed: the organizer confirms them, then they become a service record."),
        "corrected" => T("更正申请已提交，等待活动组织者处理。", "Correction requested: the organizer decides."),
        _ => null,
    };

    public string StatusText(string status) => status switch
    {
        "submitted" or "requested" => T("待确认", "Waiting for the organizer"),
        "confirmed" => T("已确认", "Confirmed"),
        "accepted" => T("已同意更正", "Correction accepted"),
        "rejected" => T("未同意", "Not accepted"),
        _ => status,
    };

    public string At(DateTime? utc) => Time.Local(utc);

    public string LocalDay(DateTime utc) => Time.Local(utc, "yyyy-MM-dd");

    public string LocalTime(DateTime utc) => Time.Local(utc, "HH:mm");
}
