using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Identity;

namespace PointsBank.Pages.Points;

/// <summary>
/// 记分与更正, step one: find a household by its door-plate code or a member's name, with each account's balance, and
/// open it. What the caller may see is decided by the requests (the pipeline masks names for roles that may not see
/// them, and limits a grid worker to their grid).
/// </summary>
public sealed class FindModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    public IReadOnlyList<(AccountMatch Match, BalanceView? Balance)> Results { get; private set; } = [];

    public long Total { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Q))
        {
            return Page();
        }
        try
        {
            var found = await mediator.Send(new FindAccounts(CommunityId, Q.Trim(), await GridOfCallerAsync(), 1, 20), ct);
            if (!found.Succeeded)
            {
                Error = PageText.Problem(this, found.Failure!);
                return Page();
            }
            Total = found.Value!.Total;
            var results = new List<(AccountMatch, BalanceView?)>();
            foreach (var match in found.Value.Items)
            {
                results.Add((match, (await mediator.Send(new GetBalance(CommunityId, match.AccountId), ct)).Value));
            }
            Results = results;
        }
        catch (Infrastructure.RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        return Page();
    }

    // A grid worker limited to one grid searches that grid (the request insists on it).
    private Task<long?> GridOfCallerAsync()
    {
        var caller = HttpContext.RequestServices.GetRequiredService<CallerContext>().Current;
        var grants = caller.Grants.Where(g => g.CommunityId == CommunityId).ToList();
        return Task.FromResult(grants.Count > 0 && grants.All(g => g is { Role: Role.Inspector, GridId: not null })
            ? grants[0].GridId
            : null);
    }
}
