using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Rules;

namespace PointsBank.Pages.Rules;

/// <summary>
/// One rule of the 积分细则: every version, newest first, each with the meeting that adopted it; and for the committee
/// a form to record a new version of its points and limits (the common edits), with the adoption record required.
/// The form sends <see cref="ReviseRule"/>; the rule's other parts (names, category, who records it) stay as they are.
/// </summary>
public sealed class VersionsModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [FromRoute]
    public string Code { get; set; } = "";

    [BindProperty]
    public RevisionForm Form { get; set; } = new();

    public IReadOnlyList<RuleView> Versions { get; private set; } = [];

    public RuleView? Current => Versions.Count > 0 ? Versions[0] : null;

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    /// <summary>New versions are the committee's (the request says so; the page only spares others a refused form).</summary>
    public bool CanRevise => IsCommittee(CommunityId);

    /// <summary>Today in the community's time zone: the default adoption day.</summary>
    public string Today => Time.TodayText;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }
        Form = RevisionForm.Of(Current!, Today);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? key, CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }
        var current = Current!;
        if (Form.BasedOn != current.Version)
        {
            // The form was filled in against an older version (or sent twice): show the newest and let them decide.
            Error = T($"这条细则已有第 {current.Version} 版，请看过后重新填写。", $"This rule is already at version {current.Version}; check it and fill in the form again.");
            ModelState.Clear();
            Form = RevisionForm.Of(current, Today);
            return Page();
        }
        try
        {
            var outcome = await mediator.Send(new ReviseRule(CommunityId, Code, Form.Apply(current), new RuleAdoption(Form.Meeting ?? "",
                Form.AdoptedOn ?? default, string.IsNullOrWhiteSpace(Form.Note) ? null : Form.Note), key), ct);
            if (outcome.Succeeded)
            {
                Done = T($"已记录“{outcome.Value!.NameZh}”第 {outcome.Value.Version} 版", $"Recorded version {outcome.Value.Version} of “{outcome.Value.NameEn}”");
                return Redirect($"/rules/{CommunityId}/{Code}");
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var versions = await mediator.Send(new ListRuleVersions(CommunityId, Code), ct);
        if (!versions.Succeeded)
        {
            return false;
        }
        Versions = versions.Value!;
        return true;
    }
}

/// <summary>
/// The simple, common edits of a rule as a form: its points (fixed, deducted, per hour and hours, each grade, a
/// discretionary range), its caps and occurrence limits, whether it needs evidence; and the adoption record. A blank
/// limit means none.
/// </summary>
public sealed class RevisionForm
{
    /// <summary>The version the form was filled in against.</summary>
    public int BasedOn { get; set; }

    public long? Points { get; set; }
    public long? PointsPerHour { get; set; }
    public int? MaxHours { get; set; }
    public List<long?> GradePoints { get; set; } = [];
    public long? MinPoints { get; set; }
    public long? MaxPoints { get; set; }

    public long? CapPerDay { get; set; }
    public long? CapPerMonth { get; set; }
    public long? CapPerYear { get; set; }
    public int? MaxPerDay { get; set; }
    public int? MaxPerMonth { get; set; }
    public int? MaxPerYear { get; set; }

    public bool NeedsEvidence { get; set; }

    public string? Meeting { get; set; }
    public DateOnly? AdoptedOn { get; set; }
    public string? Note { get; set; }

    public static RevisionForm Of(RuleView rule, string today) => new()
    {
        BasedOn = rule.Version,
        Points = rule.Formula.Points,
        PointsPerHour = rule.Formula.PointsPerHour,
        MaxHours = rule.Formula.MaxHours,
        GradePoints = (rule.Formula.Grades ?? []).Select(g => (long?)g.Points).ToList(),
        MinPoints = rule.Formula.MinPoints,
        MaxPoints = rule.Formula.MaxPoints,
        CapPerDay = rule.Limits.CapPerDay,
        CapPerMonth = rule.Limits.CapPerMonth,
        CapPerYear = rule.Limits.CapPerYear,
        MaxPerDay = rule.Limits.MaxPerDay,
        MaxPerMonth = rule.Limits.MaxPerMonth,
        MaxPerYear = rule.Limits.MaxPerYear,
        NeedsEvidence = rule.NeedsEvidence,
        AdoptedOn = DateOnly.ParseExact(today, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The current definition with the edited values; the request validates the result.</summary>
    public RuleDefinition Apply(RuleView current)
    {
        var rule = current.ToRuleVersion().Rule;
        var formula = rule.Formula.Kind switch
        {
            FormulaKind.Fixed or FormulaKind.Deduction => rule.Formula with { Points = Points },
            FormulaKind.PerHour => rule.Formula with { PointsPerHour = PointsPerHour, MaxHours = MaxHours },
            FormulaKind.Grade => rule.Formula with
            {
                Grades = (rule.Formula.Grades ?? []).Select((g, i) => g with { Points = i < GradePoints.Count && GradePoints[i] is { } p ? p : g.Points }).ToList(),
            },
            FormulaKind.Discretion => rule.Formula with { MinPoints = MinPoints, MaxPoints = MaxPoints },
            _ => rule.Formula,
        };
        return rule with
        {
            Formula = formula,
            Limits = rule.EffectiveLimits with
            {
                CapPerDay = CapPerDay,
                CapPerMonth = CapPerMonth,
                CapPerYear = CapPerYear,
                MaxPerDay = MaxPerDay,
                MaxPerMonth = MaxPerMonth,
                MaxPerYear = MaxPerYear,
            },
            NeedsEvidence = NeedsEvidence,
        };
    }
}
