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

    /// <summary>What the "新增一户" form says went wrong, next to the form (its input is kept).</summary>
    public string? AddError { get; private set; }

    /// <summary>The "新增一户" form's fields, kept when it is refused.</summary>
    [BindProperty]
    public NewHouseholdForm Add { get; set; } = new();

    /// <summary>The community's active grids, for the form's grid list.</summary>
    public IReadOnlyList<GridView> Grids { get; private set; } = [];

    /// <summary>The household just added (after the redirect): "householdId|accountId|people|code" (the code last: it may hold a '|').</summary>
    [TempData]
    public string? Added { get; set; }

    public (string Code, long HouseholdId, long AccountId, int People)? AddedHousehold =>
        Added?.Split('|', 4) is [var household, var account, var people, var code]
            ? (code, long.Parse(household, System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(account, System.Globalization.CultureInfo.InvariantCulture), int.Parse(people, System.Globalization.CultureInfo.InvariantCulture))
            : null;

    /// <summary>How many new households an import's answer names with links; the rest are counted.</summary>
    public const int NamedHouseholds = 20;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadGridsAsync(ct);
        return Page();
    }

    /// <summary>
    /// 新增一户: the household, its holder and members and its account in one request (<see cref="EnrolHousehold"/>);
    /// then back to the page (Post/Redirect/Get) naming it, with links to its account and its card.
    /// </summary>
    public async Task<IActionResult> OnPostAddAsync(string? key, CancellationToken ct)
    {
        var members = (Add.Members ?? "").Split(['\n', '\r', ',', '，', '、', ';', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            var outcome = await mediator.Send(new EnrolHousehold(CommunityId, Add.GridId, Add.Code ?? "", Add.Address,
                Add.HolderName ?? "", Add.HolderPhone, members, string.IsNullOrWhiteSpace(key) ? null : key), ct);
            if (outcome.Succeeded)
            {
                var v = outcome.Value!;
                Added = string.Join('|', v.HouseholdId, v.AccountId, 1 + v.MemberIds.Count, v.Code);
                return Redirect($"/roster/{CommunityId}#added");
            }
            AddError = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            AddError = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            AddError = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        await LoadGridsAsync(ct);
        return Page();
    }

    private async Task LoadGridsAsync(CancellationToken ct)
    {
        try
        {
            Grids = (await mediator.Send(new ListGrids(CommunityId, PageSize: Paging.MaxPageSize), ct)).Value?.Items.Where(g => g.IsActive).ToList() ?? [];
        }
        catch (ForbiddenException)
        {
            Grids = [];
        }
    }

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
        await LoadGridsAsync(ct);
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
        await LoadGridsAsync(ct);
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

/// <summary>The roster page's "新增一户" form.</summary>
public sealed class NewHouseholdForm
{
    public long? GridId { get; set; }
    public string? Code { get; set; }
    public string? Address { get; set; }
    public string? HolderName { get; set; }
    public string? HolderPhone { get; set; }

    /// <summary>Other members' names, one a line (or separated by 、 or commas).</summary>
    public string? Members { get; set; }
}
