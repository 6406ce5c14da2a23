using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Cards;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Rankings;

/// <summary>
/// 积分光荣榜, public: the published board of a month (the latest revision, or <c>?revision=</c>), masked names and
/// door-plate codes, no personal data, the root hash to check proofs against. No sign-in; the public rate limit.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.PublicLimit)]
public sealed class PublicModel(IMediator mediator, CardLinks links) : PublicBoard(mediator, links)
{
    public Task<IActionResult> OnGetAsync(CancellationToken ct) => LoadAsync(ct);
}
