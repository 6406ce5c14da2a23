using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Shops;

/// <summary>
/// 积分超市: the community's shops — the points supermarket and the partner shops (爱心商家) — with their kind and
/// whether they are open, each linking to its goods and stock; the committee adds a shop here. The requests decide
/// who may do what; the page only spares others a form they would be refused.
/// </summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    public IReadOnlyList<ShopView> Shops { get; private set; } = [];

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public bool CanAddShop =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current is var caller
        && (caller.Kind == CallerKind.System || caller.IsSystemAdmin || caller.Holds(CommunityId, Role.Committee) || caller.Holds(CommunityId, Role.Admin));

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAddAsync(string? name, string? kind, string? key, CancellationToken ct)
    {
        try
        {
            var added = await mediator.Send(new AddShop(CommunityId, name ?? "", key, string.IsNullOrEmpty(kind) ? null : kind), ct);
            if (added.Succeeded)
            {
                Done = T($"已添加商家“{name?.Trim()}”", $"Shop “{name?.Trim()}” added");
                return Redirect($"/shops/{CommunityId}");
            }
            Error = PageText.Problem(this, added.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Error = PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        try
        {
            var shops = await mediator.Send(new ListShops(CommunityId, IncludeInactive: true, PageSize: Paging.MaxPageSize), ct);
            if (shops.Succeeded)
            {
                Shops = shops.Value!.Items;
            }
            else
            {
                Error ??= PageText.Problem(this, shops.Failure!);
            }
        }
        catch (ForbiddenException e)
        {
            Error ??= PageText.Problem(this, new Failure(e.Code, e.Message));
        }
    }
}
