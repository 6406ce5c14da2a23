using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Communities;
using PointsBank.Features.Inspections;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Pages.Inspections;

/// <summary>
/// 卫生检查: the grid worker's batch page. Pick the grid (a worker limited to one grid gets it), a graded hygiene rule
/// and the month (this month by default); every active household of the grid is one row with its door-plate code, a
/// row of big grade buttons (radio inputs, one tap) and an optional note; one submit sends the whole batch
/// (<see cref="RecordInspections"/>, all or nothing) and the page then lists what was posted. Households left without
/// a grade are not part of the batch. The form carries its own Idempotency-Key, so a resent form posts nothing twice.
/// <para>
/// A round takes several days: a household already graded for the rule and month (<see cref="ListInspectionGradings"/>,
/// what the ledger holds) is shown with its grade, points and entry instead of grade buttons, and is never sent again;
/// the page counts graded and remaining households. A correction is the committee's reversal of that entry on the
/// household's account page (记分与更正), linked for a committee member. Should a batch still meet a household graded
/// meanwhile (a second worker, another tab), the refusal names it by door-plate code and the page then marks it.
/// </para>
/// </summary>
public sealed class GradeModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [BindProperty(SupportsGet = true, Name = "grid")]
    public long? GridId { get; set; }

    [BindProperty(SupportsGet = true, Name = "rule")]
    public string? RuleCode { get; set; }

    [BindProperty(SupportsGet = true, Name = "period")]
    public string? Period { get; set; }

    public IReadOnlyList<GridView> Grids { get; private set; } = [];

    /// <summary>The graded hygiene rules of the catalogue this caller may record directly.</summary>
    public IReadOnlyList<RuleView> Rules { get; private set; } = [];

    public RuleView? Rule => Rules.FirstOrDefault(r => r.Code == RuleCode);

    public IReadOnlyList<HouseholdView> Households { get; private set; } = [];

    public InspectionsRecorded? Posted { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The month's entries of the rule on the grid's households, by household, each saying whether it is done.</summary>
    public IReadOnlyDictionary<long, HouseholdGradings> Gradings { get; private set; } = new Dictionary<long, HouseholdGradings>();

    /// <summary>
    /// A household the batch does not offer again, as <see cref="ListInspectionGradings"/> answers it (graded by an
    /// inspection this month, or the rule's monthly limit reached otherwise).
    /// </summary>
    public bool IsDone(HouseholdView household) => Gradings.GetValueOrDefault(household.Id)?.Done == true;

    /// <summary>The entry that makes <paramref name="household"/> done (see <see cref="IsDone"/>).</summary>
    public InspectionGrading? GradingOf(HouseholdView household) => Gradings.GetValueOrDefault(household.Id)?.Grading;

    public int DoneCount => Households.Count(IsDone);

    /// <summary>The door-plate codes a refused batch found already graded (the refusal names them).</summary>
    public IReadOnlyList<string> RefusedAsGraded { get; private set; } = [];

    /// <summary>Corrections are the committee's (a reversal on the household's account page); others are told who to ask.</summary>
    public bool CanCorrect => IsCommittee(CommunityId);

    /// <summary>What the worker picked per household when a refused batch comes back (so nothing is lost).</summary>
    public IReadOnlyDictionary<long, (string Grade, string? Note)> Picked { get; private set; } = new Dictionary<long, (string, string?)>();

    /// <summary>This month in the community's time zone: the default period.</summary>
    public string ThisMonth => Time.ThisMonth;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? key, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (GridId is not { } grid || Rule is not { } rule)
        {
            Error ??= T("请先选择网格和检查项目。", "Pick a grid and an inspection first.");
            return Page();
        }
        var form = Request.Form;
        var grades = new List<InspectionGrade>();
        var picked = new Dictionary<long, (string, string?)>();
        // Done households have no grade buttons, so a form rendered now never sends them; a form that does (sent twice,
        // or rendered before another worker graded them) is sent as it is: the same key or grade replays, another grade
        // is refused naming them.
        foreach (var household in Households)
        {
            var grade = form[$"g{household.Id}"].ToString();
            var note = form[$"n{household.Id}"].ToString();
            if (string.IsNullOrWhiteSpace(grade))
            {
                continue;
            }
            var trimmed = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
            grades.Add(new InspectionGrade(household.Id, grade, trimmed));
            picked[household.Id] = (grade, trimmed);
        }
        Picked = picked;
        if (grades.Count == 0)
        {
            Error = T("请至少给一户评定等次。", "Grade at least one household.");
            return Page();
        }
        try
        {
            var outcome = await mediator.Send(new RecordInspections(CommunityId, grid, rule.Code, Period ?? ThisMonth, grades, key ?? ""), ct);
            if (outcome.Succeeded)
            {
                Posted = outcome.Value;
                Picked = new Dictionary<long, (string, string?)>();
            }
            else if (outcome.Failure!.Extensions?.GetValueOrDefault("households") is IReadOnlyList<RecordInspectionsHandler.GradedBefore> graded)
            {
                RefusedAsGraded = graded.Select(g => g.HouseholdCode).ToList();
                Error = T($"{string.Join("、", RefusedAsGraded)} 本月已按这条细则评定过（须先更正），整批未记分。下面已标出已评定的户，请再提交其余各户。",
                    $"{string.Join(", ", RefusedAsGraded)}: already graded for the month (correct that entry first); nothing was posted. "
                    + "The graded households are marked below: send the others again.");
            }
            else
            {
                Error = PageText.Problem(this, outcome.Failure!);
            }
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        // What the ledger holds now: this batch's households (or those a refusal named) show as graded.
        await LoadGradingsAsync(grid, rule.Code, ct);
        return Page();
    }

    public string CodeOf(long householdId) => Households.FirstOrDefault(h => h.Id == householdId)?.Code ?? $"#{householdId}";

    private async Task LoadAsync(CancellationToken ct)
    {
        Period = string.IsNullOrWhiteSpace(Period) ? ThisMonth : Period.Trim();
        var caller = HttpContext.RequestServices.GetRequiredService<CallerContext>().Current;
        var grants = caller.Grants.Where(g => g.CommunityId == CommunityId).ToList();
        var grids = (await mediator.Send(new ListGrids(CommunityId, PageSize: Paging.MaxPageSize), ct)).Value?.Items ?? [];
        // A worker whose every grant here is limited to grids sees only those grids; one grid is simply chosen.
        if (grants.Count > 0 && grants.All(g => g is { Role: Role.Inspector, GridId: not null }))
        {
            var own = grants.Select(g => g.GridId!.Value).ToHashSet();
            grids = grids.Where(g => own.Contains(g.Id)).ToList();
        }
        Grids = grids;
        if (Grids.Count == 1)
        {
            GridId = Grids[0].Id;
        }

        var roles = grants.Select(g => g.Role.ToDb()).ToHashSet();
        Rules = ((await mediator.Send(new ListRules(CommunityId), ct)).Value ?? [])
            .Where(r => r is { Direct: true, NeedsReview: false, NeedsSecondApproval: false, Category: Categories.Hygiene }
                        && r.Formula.Kind == FormulaKind.Grade
                        && (caller.Kind == CallerKind.System || (r.RecordedBy.Count > 0 ? r.RecordedBy : ["committee"]).Any(roles.Contains)))
            .ToList();
        if (Rules.Count == 1 || (RuleCode is null && Rules.Count > 0))
        {
            RuleCode ??= Rules[0].Code;
        }

        if (GridId is { } grid && Grids.Any(g => g.Id == grid))
        {
            var households = new List<HouseholdView>();
            for (var page = 1; page <= 10; page++)
            {
                var found = await mediator.Send(new ListHouseholds(CommunityId, grid, Page: page, PageSize: Paging.MaxPageSize), ct);
                if (!found.Succeeded)
                {
                    Error = PageText.Problem(this, found.Failure!);
                    break;
                }
                households.AddRange(found.Value!.Items.Where(h => h.IsActive));
                if (!found.Value.HasMore)
                {
                    break;
                }
            }
            Households = households.OrderBy(h => h.Code, StringComparer.Ordinal).ToList();
            if (Rule is { } rule)
            {
                await LoadGradingsAsync(grid, rule.Code, ct);
            }
        }
    }

    private async Task LoadGradingsAsync(long grid, string rule, CancellationToken ct)
    {
        if (Features.Inspections.Inspections.ParsePeriod(Period) is null)
        {
            Gradings = new Dictionary<long, HouseholdGradings>();
            return;
        }
        var found = await mediator.Send(new ListInspectionGradings(CommunityId, grid, rule, Period!), ct);
        if (!found.Succeeded)
        {
            Error ??= PageText.Problem(this, found.Failure!);
            return;
        }
        Gradings = found.Value!.ToDictionary(g => g.HouseholdId);
    }
}
