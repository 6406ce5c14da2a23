using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Communities;

/// <summary>
/// 花名册 (the committee's): download the template and the roster (Excel or CSV), upload a filled workbook, see the
/// check's problems as a table (工作表 / 行 / 列 / 问题), then import; and erase a departed resident's personal data.
/// </summary>
public sealed class RosterModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    public RosterImportResult? Result { get; private set; }

    public ResidentErased? Erased { get; private set; }

    public string? Error { get; private set; }

    public IActionResult OnGet() => Page();

    public IActionResult OnGetExport(long residentId) =>
        residentId > 0 ? Redirect($"/roster/{CommunityId}/residents/{residentId}/export") : Page();

    public async Task<IActionResult> OnPostImportAsync(IFormFile? workbook, bool dryRun, CancellationToken ct)
    {
        if (workbook is null || workbook.Length == 0)
        {
            Error = T("请选择填好的花名册 Excel 文件（.xlsx）", "Choose the filled-in roster workbook (.xlsx)");
            return Page();
        }
        if (workbook.Length > RosterEndpoints.MaxWorkbookBytes)
        {
            Error = T("文件太大", "The file is too large");
            return Page();
        }
        using var buffer = new MemoryStream();
        await workbook.CopyToAsync(buffer, ct);
        await SendAsync(async () =>
        {
            var outcome = await mediator.Send(new ImportRoster(CommunityId, buffer.ToArray(), dryRun), ct);
            Result = outcome.Value;
            return outcome.Failure;
        });
        return Page();
    }

    public async Task<IActionResult> OnPostEraseAsync(long residentId, bool confirmed, CancellationToken ct)
    {
        if (!confirmed || residentId <= 0)
        {
            Error = T("请填写居民编号并勾选确认", "Enter the resident's number and tick the confirmation");
            return Page();
        }
        await SendAsync(async () =>
        {
            var outcome = await mediator.Send(new EraseResident(CommunityId, residentId), ct);
            Erased = outcome.Value;
            return outcome.Failure;
        });
        return Page();
    }

    private async Task SendAsync(Func<Task<Failure?>> send)
    {
        try
        {
            if (await send() is { } failure)
            {
                Error = PageText.Problem(this, failure);
            }
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
    }
}
