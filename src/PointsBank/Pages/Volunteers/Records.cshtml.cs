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

    /// <summary>Who recorded or certified a record, in words (a staff user's display name; a volunteer's own card; the system).</summary>
    public string Who(string actor) =>
        ActorWords.Of(this, actor, View?.ActorNames, T("志愿者本人（刷卡）", "The volunteer (with their card)"));

    /// <summary>A column's name as the label of its cell when the table stacks into one card per record on a phone.</summary>
    public string Label(string zh, string en) => T($"{zh}：", $"{en}: ");

    /// <summary>How each rule these records count by turns hours into points, one line per rule version ("志愿服务（第 1 版）：每满 1 小时记 1 分…").</summary>
    public IReadOnlyList<string> HoursToPoints { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        View = await SendAsync(new GetVolunteerRecords(CommunityId, ResidentId), ct);
        if (View is null)
        {
            return NotFound();
        }
        // The records' own rule versions (their activities' rules, read with the records): each version read once.
        var lines = new List<string>();
        foreach (var (code, version) in View.RuleVersions)
        {
            if (await RuleVersionAsync(CommunityId, code, version, ct) is { } rule && Rules.HourWords.Of(this, rule.Formula) is { } words)
            {
                lines.Add(T($"{rule.NameZh}（第 {rule.Version} 版）：", $"{rule.NameEn} (version {rule.Version}): ") + words);
            }
        }
        HoursToPoints = lines;
        return Page();
    }
}
