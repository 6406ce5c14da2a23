using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Features.Reports;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Reports;

/// <summary>
/// 兑换与资金报表 (the committee's): one month's funding report — points issued, deducted, redeemed, unspent, and
/// their yuan value; goods donated by donor, bought in, redeemed — with a CSV download, and each shop's statement.
/// </summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    public FundingReportView? Report { get; private set; }

    public IReadOnlyList<ShopView> Shops { get; private set; } = [];

    public string? Error { get; private set; }

    public string ThisMonth => Time.ThisMonth;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Month = string.IsNullOrWhiteSpace(Month) ? ThisMonth : Month.Trim();
        try
        {
            var report = await mediator.Send(new GetFundingReport(CommunityId, Month), ct);
            Report = report.Value;
            if (!report.Succeeded)
            {
                Error = PageText.Problem(this, report.Failure!);
            }
            Shops = (await mediator.Send(new ListShops(CommunityId, false, 1, 100), ct)).Value?.Items ?? [];
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        return Page();
    }
}
