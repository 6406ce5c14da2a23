using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Pages.Rankings;

/// <summary>
/// 积分排行榜 (the committee's): a month's live ranking, the button that publishes it (a new revision only when the
/// board changed since the latest one), and the month's published revisions with their root hashes, the public page,
/// the poster and a check against the ledger. Publishing answers with a redirect (Post/Redirect/Get) to
/// <c>?month=…&amp;published=N</c>, so refreshing the result page does not publish again.
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

    /// <summary>The month's claims not yet posted (in 公示 or awaiting review): the ranking counts them once posted.</summary>
    public ClaimsInNotice? Pending { get; private set; }

    public string? Done { get; private set; }

    /// <summary>The month's latest published revision, if any (<see cref="Revisions"/> is newest first).</summary>
    public RankingRevisionSummary? Latest => Revisions.FirstOrDefault();

    /// <summary>
    /// Whether the live ranking below is exactly the latest published revision (the same root hash as publishing it
    /// now would give); null when the month has no revision or the ranking could not be read.
    /// </summary>
    public bool? LiveIsPublished => Latest is { } latest && Ranking is { } ranking
        ? latest.RankedBy == ranking.By && latest.SnapshotHash == Snapshots.Root(CommunityId, ranking.Month, ranking.By, ranking.Rows)
        : null;

    public string? Error { get; private set; }

    public string ThisMonth => Time.ThisMonth;

    /// <summary>The month before <see cref="ThisMonth"/> in the community's time zone.</summary>
    public string LastMonth => MonthEnd.MonthBefore(Time.Today);

    /// <summary>Whether <see cref="Month"/> is over in the community's own time zone, so it may be published (the request checks the same).</summary>
    public bool MonthOver => Month is { } month && Time.IsOver(month);

    public async Task<IActionResult> OnGetAsync(int? verify, int? published, bool unchanged, CancellationToken ct)
    {
        var shown = await ShowAsync(verify, ct);
        // After the redirect of a publish: say what it did, of a revision that exists (the query string alone proves nothing).
        if (published is { } n && Revisions.FirstOrDefault(r => r.Revision == n) is { } r)
        {
            Done = unchanged
                ? T($"排名没有变化，仍是第 {r.Revision} 版（{Time.Local(r.PublishedAt, "yyyy-MM-dd")} 公布），没有产生新的一版。",
                    $"The ranking has not changed: it is still revision {r.Revision} (published {Time.Local(r.PublishedAt, "yyyy-MM-dd")}); no new revision was made.")
                : T($"已公布 {r.Month} 第 {r.Revision} 版，共 {r.Rows} 行。居民可以在公开页面和海报上看到。",
                    $"Published {r.Month} revision {r.Revision}, {r.Rows} rows. Residents see it on the public page and the poster.");
        }
        return shown;
    }

    public async Task<IActionResult> OnPostPublishAsync(string? key, CancellationToken ct)
    {
        Month = string.IsNullOrWhiteSpace(Month) ? ThisMonth : Month.Trim();
        try
        {
            var published = await mediator.Send(new PublishRanking(CommunityId, Month, key), ct);
            if (published.Value is { } p)
            {
                // Post/Redirect/Get: the result page is a GET, so a refresh shows it again instead of publishing again.
                return RedirectToPage(new { communityId = CommunityId, month = p.Month, published = p.Revision, unchanged = p.Unchanged ? true : (bool?)null });
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
        try
        {
            Month = string.IsNullOrWhiteSpace(Month) ? await DefaultMonthAsync(ct) : Month.Trim();
            var ranking = await mediator.Send(new GetRanking(CommunityId, Month), ct);
            Ranking = ranking.Value;
            if (!ranking.Succeeded)
            {
                Error ??= PageText.Problem(this, ranking.Failure!);
            }
            Revisions = (await mediator.Send(new ListRankingRevisions(CommunityId, Month), ct)).Value ?? [];
            Pending = (await mediator.Send(new CountClaimsInNotice(CommunityId, Month), ct)).Value;
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

    /// <summary>
    /// The month a committee member opening the page wants: last month while this one is young (its first
    /// <see cref="MonthEnd.Days"/> days) or while last month has no published revision; else this month.
    /// </summary>
    private async Task<string> DefaultMonthAsync(CancellationToken ct)
    {
        if (Time.Today.Day <= MonthEnd.Days)
        {
            return LastMonth;
        }
        var published = (await mediator.Send(new ListRankingRevisions(CommunityId, LastMonth), ct)).Value ?? [];
        return published.Count == 0 ? LastMonth : ThisMonth;
    }
}
