using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Cards;
using PointsBank.Features.Volunteers;
using PointsBank.Infrastructure;
using PointsBank.Pages.Redemption;

namespace PointsBank.Pages.Volunteers;

/// <summary>
/// 签到扫码 (<c>/volunteers/{c}/activities/{id}</c>): the organizer's phone page. One big field the scanner (or the
/// camera, or a typing thumb) fills with the volunteer's card URL or code — read exactly as the counter reads a card
/// (<see cref="CounterPage.CardTokenIn"/>) — and two buttons, 签到 and 签退; what happened in big letters; who is in and
/// out; the records with their minutes; open, close and certify; and the activity's own QR, which a volunteer with a
/// phone may scan (it names the activity only: their card and PIN say who they are).
/// </summary>
public sealed class ActivityModel(IMediator mediator, CardLinks links) : VolunteerPage(mediator)
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long ActivityId { get; set; }

    public ActivityDetail? Detail { get; private set; }

    /// <summary>证明 is offered once the activity ended and while records wait for it (records found later, or one's own left for another).</summary>
    public bool CanCertify => Detail is { } d && d.Activity.Status is "closed" or "certified" && d.Records.Any(r => r.Status == "recorded");

    [TempData]
    public string? Done { get; set; }

    /// <summary>A check-out that earns no points (0 minutes, or fewer than earn a point): said apart from <see cref="Done"/>, so a mistaken tap is noticed.</summary>
    [TempData]
    public string? Warning { get; set; }

    /// <summary>The activity's rule version, for how its hours become points.</summary>
    public Features.Rules.RuleView? Rule { get; private set; }

    /// <summary>"每满 1 小时记 1 分；…例如服务 1.5 小时记 1 分。": beside the scan buttons and the certify button.</summary>
    public string? HoursToPoints => Rule is { } rule ? Rules.HourWords.Of(this, rule.Formula) : null;

    public string SelfCheckInUrl => $"{links.BaseUrl()}/v/{CommunityId}/{ActivityId}";

    public string QrDataUri => QrCodes.PngDataUri(SelfCheckInUrl, 6);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Detail is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostScanAsync(string? code, string? action, CancellationToken ct)
    {
        var token = CounterPage.CardTokenIn(code) ?? (CardSecrets.LooksLikeToken(code?.Trim()) ? code!.Trim() : null);
        if (token is null)
        {
            Error = T("没有认出积分卡：请扫描志愿者积分卡上的二维码，或输入卡上的网址", "Not a card: scan the QR on the volunteer's points card, or type its address");
        }
        else if (await SendAsync(new RecordAttendance(CommunityId, ActivityId, action == AttendanceActions.CheckOut ? AttendanceActions.CheckOut : AttendanceActions.CheckIn, token), ct)
                 is { } done)
        {
            Done = done.Action == AttendanceActions.CheckIn
                ? T($"{done.Name}（{done.VolunteerNo}）签到成功 {Local(done.At, "HH:mm")}", $"{done.Name} ({done.VolunteerNo}) checked in at {Local(done.At, "HH:mm")}")
                : T($"{done.Name}（{done.VolunteerNo}）签退成功，服务 {done.ActualMinutes} 分钟，计 {Hours.Of(done.CountedMinutes ?? 0)} 小时",
                    $"{done.Name} ({done.VolunteerNo}) checked out: {done.ActualMinutes} min served, {Hours.Of(done.CountedMinutes ?? 0)} h counted")
                  + await CheckOutPointsAsync(done.CountedMinutes ?? 0, ct);
            if (done.Action == AttendanceActions.CheckOut && EarnsNothing(done.CountedMinutes ?? 0))
            {
                var hours = Hours.Of(done.CountedMinutes ?? 0);
                Warning = T($"注意：{done.Name}（{done.VolunteerNo}）这条记录只有 {done.ActualMinutes} 分钟，计 {hours} 小时，不得积分。"
                            + "如果是误点了签退，请志愿者在自己积分卡页面点“补报时长 · 申请更正”，写明实际的起止时间申请更正，再由组织者在“志愿活动”页同意。",
                    $"Note: this record of {done.Name} ({done.VolunteerNo}) is only {done.ActualMinutes} min, {hours} h counted, and earns no points. "
                    + "If check-out was tapped by mistake, the volunteer asks for a correction on their card page ('Claim hours · corrections', with the real times) and the organizer accepts it on the volunteer activities page.");
            }
            return Redirect($"/volunteers/{CommunityId}/activities/{ActivityId}");
        }
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostOpenAsync(CancellationToken ct) => MoveAsync(new OpenActivity(CommunityId, ActivityId), T("已开始签到", "Check-in is open"), ct);

    public Task<IActionResult> OnPostCloseAsync(CancellationToken ct) => MoveAsync(new CloseActivity(CommunityId, ActivityId), T("活动已结束", "Activity closed"), ct);

    public async Task<IActionResult> OnPostCertifyAsync(CancellationToken ct)
    {
        if (await SendAsync(new CertifyActivity(CommunityId, ActivityId), ct) is { } certified)
        {
            var points = certified.Certified.Sum(r => r.Points ?? 0);
            Done = (certified.Certified.Count == 0
                       ? T("没有待证明的记录", "No records to certify")
                       : points > 0
                           ? T($"已证明 {certified.Certified.Count} 条记录，共 {points} 分已入账", $"{certified.Certified.Count} records certified, {points} points posted")
                           : T($"已证明 {certified.Certified.Count} 条记录（时长不足计分，没有积分入账）", $"{certified.Certified.Count} records certified (too short to earn points; none posted)"))
                   + (certified.LeftOwnRecords.Count > 0 ? T($"；{certified.LeftOwnRecords.Count} 条是您本人的记录，须由他人证明", $"; {certified.LeftOwnRecords.Count} of your own records need someone else") : "");
            return Redirect($"/volunteers/{CommunityId}/activities/{ActivityId}");
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task<IActionResult> MoveAsync(IRequest<Outcome<ActivityView>> request, string done, CancellationToken ct)
    {
        if (await SendAsync(request, ct) is not null)
        {
            Done = done;
            return Redirect($"/volunteers/{CommunityId}/activities/{ActivityId}");
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var error = Error;
        Detail = await SendAsync(new GetActivity(CommunityId, ActivityId), ct);
        Error = error ?? Error;
        if (Detail?.Activity is { } a)
        {
            Rule = await RuleVersionAsync(CommunityId, a.RuleCode, a.RuleVersion, ct);
        }
    }

    /// <summary>Whether counted minutes earn nothing by the activity's rule (with no rule to read: whether nothing was counted).</summary>
    private bool EarnsNothing(int countedMinutes) =>
        Rule is { } rule ? Rules.HourWords.Points(rule.Formula, countedMinutes) == 0 : countedMinutes == 0;

    /// <summary>What a check-out's counted minutes earn by the activity's rule, said with the check-out ("，按细则可得 1 分（证明后入账）").</summary>
    private async Task<string> CheckOutPointsAsync(int countedMinutes, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Rule is null)
        {
            return "";
        }
        var points = Rules.HourWords.Points(Rule.Formula, countedMinutes);
        return T($"，按细则可得 {points} 分（证明后入账）", $", {points} points by the rule (posted when certified)");
    }
}
