namespace PointsBank.Rules;

/// <summary>
/// Evaluates a fact against one version of a rule: a pure function of its arguments (no clock, no database), so an
/// entry can be explained — and re-evaluated — years later from what the ledger stored.
/// </summary>
public static class RuleEvaluator
{
    private static readonly LimitPeriod[] Periods = [LimitPeriod.Day, LimitPeriod.Month, LimitPeriod.Year];

    /// <summary>
    /// Points for <paramref name="facts"/> under <paramref name="rule"/> on <paramref name="effectiveDate"/> (the local
    /// day the deed belongs to, in the community's time zone), with the steps that explain them.
    /// </summary>
    /// <param name="priorEntries">
    /// The account's entries whose <em>effective dates</em> lie in the calendar year of <paramref name="effectiveDate"/>
    /// (more is harmless: entries of other rules or outside a window are ignored). Windows are plain calendar
    /// periods of effective dates — the same day, the same month, the same year — so an entry back-dated into
    /// November counts against November's cap, whenever it was posted.
    /// </param>
    /// <returns>
    /// An accepted evaluation (points may be 0: a grade worth nothing, minutes that round to nothing, a cap used up —
    /// each explained), or a refusal: not in effect on that date, a missing fact, below the minimum duration, an
    /// unknown grade, an amount outside the range, an occurrence limit reached.
    /// </returns>
    public static Evaluation Evaluate(RuleVersion rule, RuleFacts facts, IReadOnlyList<PriorEntry> priorEntries, DateOnly effectiveDate)
    {
        var definition = rule.Rule;
        var limits = definition.EffectiveLimits;
        var steps = new List<EvaluationStep>();
        Evaluation Result(long points, RuleRefusal? refusal = null) =>
            new(definition.Code, rule.Version, definition.NameZh, definition.NameEn, points, steps, refusal);
        Evaluation Refuse(RuleRefusal refusal, EvaluationStep step)
        {
            steps.Add(step);
            return Result(0, refusal);
        }

        if (limits.EffectiveFrom is { } from && effectiveDate < from)
        {
            return Refuse(RuleRefusal.NotInEffect, new EvaluationStep(StepKind.NotYetInEffect, Date: effectiveDate, Boundary: from));
        }
        if (limits.EffectiveTo is { } to && effectiveDate > to)
        {
            return Refuse(RuleRefusal.NotInEffect, new EvaluationStep(StepKind.NoLongerInEffect, Date: effectiveDate, Boundary: to));
        }
        if (MissingFact(definition, facts) is { } missing)
        {
            return Refuse(RuleRefusal.MissingFacts, new EvaluationStep(StepKind.MissingFact, Fact: missing));
        }
        if (limits.MinMinutes is { } minimum && facts.Minutes is { } minutes && minutes < minimum)
        {
            return Refuse(RuleRefusal.BelowMinimumDuration, new EvaluationStep(StepKind.BelowMinimumDuration, Minutes: minutes, Limit: minimum));
        }

        var ofRule = priorEntries.Where(e => e.RuleCode == definition.Code).ToList();
        foreach (var period in Periods)
        {
            if (OccurrenceLimitReached(definition, period, ofRule, effectiveDate) is { } reached)
            {
                return Refuse(RuleRefusal.OccurrenceLimitReached, reached);
            }
        }

        var formula = definition.Formula;
        long points;
        switch (formula.Kind)
        {
            case FormulaKind.Fixed:
                points = formula.Points!.Value;
                steps.Add(new EvaluationStep(StepKind.Fixed, Points: points));
                break;
            case FormulaKind.Deduction:
                points = -formula.Points!.Value;
                steps.Add(new EvaluationStep(StepKind.Deduction, Points: points));
                break;
            case FormulaKind.Grade:
                var grades = formula.Grades!;
                if (grades.FirstOrDefault(g => g.Grade == facts.Grade!.Trim()) is not { } grade)
                {
                    return Refuse(RuleRefusal.UnknownGrade,
                        new EvaluationStep(StepKind.UnknownGrade, Grade: facts.Grade, Choices: grades.Select(g => g.Grade).ToList()));
                }
                points = grade.Points;
                steps.Add(new EvaluationStep(StepKind.Grade, Points: points, Grade: grade.Grade, GradeEn: grade.GradeEn));
                break;
            case FormulaKind.Discretion:
                var (low, high, amount) = (formula.MinPoints!.Value, formula.MaxPoints!.Value, facts.Amount!.Value);
                if (amount < low || amount > high)
                {
                    return Refuse(RuleRefusal.AmountOutOfRange, new EvaluationStep(StepKind.AmountOutOfRange, Points: amount, Low: low, High: high));
                }
                points = amount;
                steps.Add(new EvaluationStep(StepKind.Discretion, Points: points, Low: low, High: high));
                break;
            case FormulaKind.PerHour:
                points = PerHour(formula, facts.Minutes!.Value, steps);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), formula.Kind, "unknown formula kind");
        }

        foreach (var period in Periods)
        {
            if (limits.Cap(period) is { } cap && points != 0)
            {
                var already = Math.Abs(ofRule.Where(e => SamePeriod(period, e.EffectiveDate, effectiveDate)).Sum(e => e.Points));
                var room = Math.Max(0, cap - already);
                if (Math.Abs(points) > room)
                {
                    points = Math.Sign(points) * room;
                    steps.Add(new EvaluationStep(StepKind.Cap, Points: points, Period: period, Limit: cap, Already: already));
                }
            }
        }
        return Result(points);
    }

    /// <summary>
    /// The occurrence limit of <paramref name="period"/> (<c>MaxPerDay</c>, <c>MaxPerMonth</c>, <c>MaxPerYear</c>) that
    /// <paramref name="priorEntries"/> of the rule already reach on <paramref name="effectiveDate"/> — the step that
    /// explains why one more entry is refused — or null when the rule has no such limit or room is left. The one
    /// occurrence count: <see cref="Evaluate"/> refuses by it, and a page that must know beforehand (the inspection
    /// round's "done") asks it too.
    /// </summary>
    public static EvaluationStep? OccurrenceLimitReached(RuleDefinition rule, LimitPeriod period, IEnumerable<PriorEntry> priorEntries,
        DateOnly effectiveDate)
    {
        if (rule.EffectiveLimits.MaxOccurrences(period) is not { } max)
        {
            return null;
        }
        var count = priorEntries.Count(e => e.RuleCode == rule.Code && SamePeriod(period, e.EffectiveDate, effectiveDate));
        return count >= max ? new EvaluationStep(StepKind.OccurrenceLimit, Period: period, Limit: max, Already: count) : null;
    }

    /// <summary>True when two effective dates fall in the same calendar day, month or year (the community's local dates).</summary>
    public static bool SamePeriod(LimitPeriod period, DateOnly a, DateOnly b) => period switch
    {
        LimitPeriod.Day => a == b,
        LimitPeriod.Month => a.Year == b.Year && a.Month == b.Month,
        _ => a.Year == b.Year,
    };

    /// <summary>
    /// The minutes that count: whole hours as they are, the minutes of the last started hour through the rounding
    /// table (the first band whose upper bound they do not exceed).
    /// </summary>
    public static int CreditedMinutes(int minutes, IReadOnlyList<RoundingBand> rounding)
    {
        var (hours, rest) = (minutes / 60, minutes % 60);
        var credited = rest == 0 ? 0 : rounding.First(b => rest <= b.UpToMinutes).CreditMinutes;
        return hours * 60 + credited;
    }

    /// <summary>
    /// The points <paramref name="minutes"/> of service earn by a per-hour formula alone (rounding table, hours cap, rate),
    /// before the rule's limits: what a page tells an organizer a record will earn. A formula without its own table
    /// counts by <see cref="RuleFormula.DefaultRounding"/>.
    /// </summary>
    public static long PerHourPoints(RuleFormula formula, int minutes) =>
        PerHour(formula.Rounding is { Count: > 0 } ? formula : formula with { Rounding = RuleFormula.DefaultRounding }, Math.Max(0, minutes), null);

    private static long PerHour(RuleFormula formula, int minutes, List<EvaluationStep>? steps)
    {
        long credited = CreditedMinutes(minutes, formula.Rounding!);
        steps?.Add(new EvaluationStep(StepKind.Rounding, Minutes: minutes, Credited: credited));
        if (formula.MaxHours is { } maxHours && credited > maxHours * 60L)
        {
            steps?.Add(new EvaluationStep(StepKind.HourCap, Credited: credited, Limit: maxHours * 60L));
            credited = maxHours * 60L;
        }
        var rate = formula.PointsPerHour!.Value;
        var points = credited * rate / 60;
        steps?.Add(new EvaluationStep(StepKind.HourlyPoints, Points: points, Credited: credited, Rate: rate));
        return points;
    }

    private static string? MissingFact(RuleDefinition rule, RuleFacts facts) => rule.Formula.Kind switch
    {
        FormulaKind.PerHour when facts.Minutes is null or < 0 => "minutes",
        FormulaKind.Grade when string.IsNullOrWhiteSpace(facts.Grade) => "grade",
        FormulaKind.Discretion when facts.Amount is null => "amount",
        _ when rule.EffectiveLimits.MinMinutes is not null && facts.Minutes is null or < 0 => "minutes",
        _ => null,
    };
}
