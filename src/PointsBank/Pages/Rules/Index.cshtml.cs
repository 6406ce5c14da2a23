using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Rules;

namespace PointsBank.Pages.Rules;

/// <summary>
/// 积分细则: the community's current rule catalogue as a committee member reads it on paper — each rule in words, and
/// the catalogue version with the meeting that adopted it. Every staff role may read it (the request says so); each
/// rule leads to its versions, where the committee records a new one.
/// </summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    public IReadOnlyList<RuleView> Rules { get; private set; } = [];

    /// <summary>The newest adoption in the catalogue: its version and record.</summary>
    public RuleView? Latest => Rules.MaxBy(r => r.CatalogueVersion);

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var rules = await mediator.Send(new ListRules(CommunityId), ct);
        if (!rules.Succeeded)
        {
            Error = PageText.Problem(this, rules.Failure!);
            return rules.Failure!.Code == "community_not_found" ? NotFound() : Page();
        }
        Rules = rules.Value!;
        return Page();
    }
}

/// <summary>What the <c>_Rule</c> partial shows: one version of a rule, in the words of the page that shows it.</summary>
public sealed record RuleCard(ShellPage Page, RuleView Rule);
