using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Communities;

/// <summary>
/// 个人信息导出 (<c>/roster/{c}/residents/{residentId}/export</c>): everything the community holds about one resident,
/// printable on A4 for the resident, with the JSON of the same export (<see cref="ExportResidentData"/>). Committee only:
/// the request refuses everyone else and the page then shows why.
/// </summary>
public sealed class ResidentExportModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long ResidentId { get; set; }

    public ResidentDataExport? Export { get; private set; }

    public string? Error { get; private set; }

    public string JsonUrl => $"/api/v1/communities/{CommunityId}/residents/{ResidentId}/export";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        try
        {
            var outcome = await mediator.Send(new ExportResidentData(CommunityId, ResidentId), ct);
            Export = outcome.Value;
            if (outcome.Failure is { } failure)
            {
                Error = PageText.Problem(this, failure);
            }
        }
        catch (ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        return Page();
    }

    public static string Utc(DateTime at) => at.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    public static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "";

    public string ChangeName(string change) => change switch
    {
        "create" => T("新建", "created"),
        "update" => T("修改", "changed"),
        "deactivate" => T("停用", "deactivated"),
        "reactivate" => T("恢复", "reactivated"),
        _ => change,
    };

    public string EntityName(string entity) => entity switch
    {
        "resident" => T("居民", "resident"),
        "household" => T("户", "household"),
        _ => entity,
    };
}
