using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Reports;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Reports;

/// <summary>
/// 对账单 of one shop, for the shopkeeper and the committee: the day's redemption list (today by default) and the
/// month's statement — redemptions, returns, the net in points and yuan, the goods — each with a CSV download.
/// </summary>
public sealed class ShopModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public long ShopId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? Date { get; set; }

    public ShopStatementView? Statement { get; private set; }

    public DailyRedemptionsView? Day { get; private set; }

    public string? Error { get; private set; }

    public string ThisMonth => Time.ThisMonth;

    public string Today => Time.TodayText;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Month = string.IsNullOrWhiteSpace(Month) ? ThisMonth : Month.Trim();
        try
        {
            var day = await mediator.Send(new GetDailyRedemptions(CommunityId, ShopId, Date), ct);
            Day = day.Value;
            var statement = await mediator.Send(new GetShopStatement(CommunityId, ShopId, Month), ct);
            Statement = statement.Value;
            var failure = day.Failure ?? statement.Failure;
            if (failure is not null)
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
        return Page();
    }
}
