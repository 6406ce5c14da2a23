using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Rankings;

/// <summary>
/// 积分排行榜 (the committee's): a month's live ranking, the button that publishes it (a new revision each time), and
/// the month's published revisions with their root hashes, the public page, the poster and a check against the ledger.
/// </summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    public RankingView? Ranking { get; private set; }

    public IReadOnlyList<RankingRevisionSummary> Revisions { get; private set; } = [];

    public RankingVerification? Verified { get; private set; }

    public string? Done { get; private set; }

    public string? Error { get; private set; }

    public string ThisMonth => Time.ThisMonth;

    /// <summary>Whether <see cref="Month"/> is over in the community's own time zone, so it may be published (the request checks the same).</summary>
    public bool MonthOver => Month is { } month && Time.IsOver(month);

    public Task<IActionResult> OnGetAsync(int? verify, CancellationToken ct) => ShowAsync(verify, ct);

    public async Task<IActionResult> OnPostPublishAsync(string? key, CancellationToken ct)
    {
        Month = string.IsNullOrWhiteSpace(Month) ? ThisMonth : Month.Trim();
        try
        {
            var published = await mediator.Send(new PublishRanking(CommunityId, Month, key), ct);
            if (published.Value is { } p)
            {
                Done = T($"已公布 {p.Month} 第 {p.Revision} 版，{p.Rows} 行，校验码 {p.SnapshotHash}", $"Published {p.Month} revision {p.Revision}, {p.Rows} rows, root {p.SnapshotHash}");
            }
            else
            {
                Error = PageText.Problem(this, published.Failure!);
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
        return await ShowAsync(null, ct);
    }

    private async Task<IActionResult> ShowAsync(int? verify, CancellationToken ct)
    {
        Month = string.IsNullOrWhiteSpace(Month) ? ThisMonth : Month.Trim();
        try
        {
            var ranking = await mediator.Send(new GetRanking(CommunityId, Month), ct);
            Ranking = ranking.Value;
            if (!ranking.Succeeded)
            {
                Error ??= PageText.Problem(this, ranking.Failure!);
            }
            Revisions = (await mediator.Send(new ListRankingRevisions(CommunityId, Month), ct)).Value ?? [];
            if (verify is { } n)
            {
                var verified = await mediator.Send(new VerifyRankingRevision(CommunityId, Month, n), ct);
                Verified = verified.Value;
                if (!verified.Succeeded)
                {
                    Error ??= PageText.Problem(this, verified.Failure!);
                }
            }
        }
        catch (RequestValidationException e)
        {
            Error ??= PageText.Invalid(this, e);
        }
        catch (ForbiddenException e)
        {
            Error ??= PageText.Problem(this, new Failure(e.Code, e.Message));
        }
        return Page();
    }
}
