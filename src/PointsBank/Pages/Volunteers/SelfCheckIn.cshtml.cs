using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Volunteers;
using PointsBank.Infrastructure;
using PointsBank.Pages.Redemption;

namespace PointsBank.Pages.Volunteers;

/// <summary>
/// 扫活动码签到 (<c>/v/{c}/{activityId}</c>): what a volunteer's phone opens from the activity's QR. The code names the
/// activity only; the volunteer gives their card's address (or code) and PIN, checked by the one PIN check.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class SelfCheckInModel(IMediator mediator) : VolunteerPage(mediator)
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long ActivityId { get; set; }

    public string? Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? card, string? pin, string? action, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var token = CounterPage.CardTokenIn(card) ?? (Features.Cards.CardSecrets.LooksLikeToken(card?.Trim()) ? card!.Trim() : null);
        if (token is null)
        {
            Error = T("请填写积分卡上的网址", "Enter the address printed on your points card");
            return Page();
        }
        if (await SendAsync(new RecordAttendance(CommunityId, ActivityId, action == AttendanceActions.CheckOut ? AttendanceActions.CheckOut : AttendanceActions.CheckIn,
                token, null, pin), ct) is { } done)
        {
            Done = done.Action == AttendanceActions.CheckIn ? T($"{done.Name} 签到成功", $"{done.Name}: checked in")
                : T($"{done.Name} 签退成功，计 {Hours.Of(done.CountedMinutes ?? 0)} 小时", $"{done.Name}: checked out, {Hours.Of(done.CountedMinutes ?? 0)} h");
        }
        return Page();
    }
}
