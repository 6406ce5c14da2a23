using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Claims;

namespace PointsBank.Pages.Claims;

/// <summary>
/// 公示: the public list of a community's approved claims in their objection window, names masked, for a notice board
/// screen or a resident's phone. No sign-in; it takes no objections itself (it does not know who
/// objects): residents object from their card's page <c>/c/{token}/notices</c>, staff from the review page.
/// </summary>
[AllowAnonymous]
public sealed class NoticesModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    public IReadOnlyList<NoticeView> Notices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Notices = (await mediator.Send(new ListNotices(CommunityId), ct)).Value ?? [];
        return Page();
    }
}
