using System.Globalization;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Volunteers;

/// <summary>What the volunteer pages share: sending the slice's requests with refusals in plain words, and local times.</summary>
public abstract class VolunteerPage(IMediator mediator) : ShellPage
{
    protected IMediator Mediator => mediator;

    public string? Error { get; protected set; }

    /// <summary>An instant in the community's time, as the pages show it.</summary>
    public string Local(DateTime? utc, string format = Features.Communities.CommunityTime.MinuteFormat) => Time.Local(utc, format);

    /// <summary>A local day and time typed on a form, as an instant (in the community's time zone).</summary>
    public DateTimeOffset? Instant(string? day, string? time) => Time.Instant(day, time);

    public string StatusName(string status) => status switch
    {
        "planned" => T("未开始", "Planned"),
        "open" => T("签到中", "Open"),
        "closed" => T("已结束", "Closed"),
        "certified" => T("已证明", "Certified"),
        "recorded" => T("待证明", "To certify"),
        "superseded" => T("已更正（作废）", "Corrected (void)"),
        "submitted" => T("待确认", "Waiting"),
        "requested" => T("待处理", "Waiting"),
        "confirmed" => T("已确认", "Confirmed"),
        "accepted" => T("已同意", "Accepted"),
        "rejected" => T("未同意", "Rejected"),
        _ => status,
    };

    /// <summary>
    /// The version of a rule an activity counts by (for <see cref="Rules.HourWords"/>); null when it cannot be read —
    /// the words are an explanation beside the records, never a reason to refuse the page.
    /// </summary>
    protected async Task<Features.Rules.RuleView?> RuleVersionAsync(long communityId, string code, int version, CancellationToken ct)
    {
        var versions = await mediator.Send(new Features.Rules.ListRuleVersions(communityId, code), ct);
        return versions.Succeeded ? versions.Value!.FirstOrDefault(v => v.Version == version) : null;
    }

    public string SourceName(string source) => source == "claim" ? T("申报确认", "Confirmed claim") : T("签到签退", "Attendance");

    /// <summary>Sends a request of the slice; a refusal becomes <see cref="Error"/> in the reader's language.</summary>
    protected async Task<T?> SendAsync<T>(IRequest<Outcome<T>> request, CancellationToken ct) where T : class
    {
        try
        {
            var outcome = await mediator.Send(request, ct);
            if (outcome.Succeeded)
            {
                return outcome.Value;
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        catch (NotAuthenticatedException)
        {
            // A card code that no active card has: the card holder's request is refused before any handler runs.
            Error = HttpContext.T("积分卡无效（可能已挂失或已换新卡），请找村（居）委会", "This points card is not valid (lost or replaced?): ask the committee");
        }
        return null;
    }
}
