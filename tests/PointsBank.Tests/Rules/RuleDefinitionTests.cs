using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Tests.Rules;

/// <summary>The default catalogue, the definitions' validation and their one JSON form.</summary>
[TestFixture]
public sealed class RuleDefinitionTests
{
    private static IEnumerable<TestCaseData> Defaults() => DefaultRules.All.Select(r => new TestCaseData(r).SetArgDisplayNames(r.Code));

    private static RuleFacts SampleFacts(RuleDefinition rule) => rule.Formula.Kind switch
    {
        FormulaKind.PerHour => new RuleFacts(Minutes: 90),
        FormulaKind.Grade => new RuleFacts(Grade: rule.Formula.Grades![0].Grade),
        FormulaKind.Discretion => new RuleFacts(Amount: rule.Formula.MaxPoints),
        _ => RuleFacts.None,
    };

    [TestCaseSource(nameof(Defaults))]
    public void DefaultRule_IsValid_Evaluates_AndRoundTripsAsJson(RuleDefinition rule)
    {
        var evaluation = RuleEvaluator.Evaluate(new RuleVersion(1, rule), SampleFacts(rule), [], new DateOnly(2026, 6, 1));
        var json = RuleJson.Serialize(rule);

        Assert.That(RuleValidation.Problems(rule), Is.Empty);
        Assert.That(evaluation.Accepted, Is.True, evaluation.Zh());
        Assert.That(evaluation.Points, rule.Category == Categories.Deduction ? Is.Negative : Is.Positive);
        Assert.That(evaluation.Zh(), Does.StartWith(rule.NameZh));
        Assert.That(RuleJson.Serialize(RuleJson.Deserialize(json)), Is.EqualTo(json));
    }

    [Test]
    public void DefaultCatalogue_HasTheTenRulesOfDomainB_PlusLittering_WithUniqueCodes()
    {
        var codes = DefaultRules.All.Select(r => r.Code).ToList();

        Assert.That(codes, Is.Unique);
        Assert.That(codes, Has.Count.EqualTo(11));
        Assert.That(DefaultRules.All.Select(r => r.Category).Distinct(), Is.SupersetOf(new[]
        {
            Categories.GoodDeed, Categories.Volunteer, Categories.Hygiene, Categories.FilialPiety, Categories.Neighbourliness,
            Categories.Environment, Categories.Deduction,
        }));
        var volunteer = DefaultRules.All.Single(r => r.Code == "volunteer_service").Formula;
        Assert.That((volunteer.PointsPerHour, volunteer.MaxHours), Is.EqualTo(((long?)1, (int?)2)));
    }

    private static readonly RuleDefinition Valid = new("x", "规则", "Rule", Categories.GoodDeed, RuleFormula.Fixed(5), null, ["committee"]);

    private static IEnumerable<TestCaseData> Invalid()
    {
        TestCaseData Case(string name, RuleDefinition rule, string field) => new TestCaseData(rule, field).SetArgDisplayNames(name);
        yield return Case("bad code", Valid with { Code = "Bad Code" }, "code");
        yield return Case("blank name", Valid with { NameZh = " " }, "nameZh");
        yield return Case("unknown category", Valid with { Category = "redemption" }, "category");
        yield return Case("zero points", Valid with { Formula = RuleFormula.Fixed(0) }, "formula.points");
        yield return Case("points on a grade table", Valid with { Formula = RuleFormula.Graded(new GradePoints("优", "excellent", 5)) with { Points = 3 } },
            "formula.points");
        yield return Case("no grades", Valid with { Formula = RuleFormula.Graded() }, "formula.grades");
        yield return Case("repeated grade", Valid with { Formula = RuleFormula.Graded(new("优", "a", 5), new("优", "b", 3)) }, "formula.grades");
        yield return Case("rounding not ending at 60", Valid with { Formula = RuleFormula.PerHour(1, rounding: [new(30, 30)]) }, "formula.rounding");
        yield return Case("rounding out of order", Valid with { Formula = RuleFormula.PerHour(1, rounding: [new(45, 30), new(15, 0), new(60, 60)]) },
            "formula.rounding");
        yield return Case("no rate", Valid with { Formula = new RuleFormula(FormulaKind.PerHour, Rounding: RuleFormula.DefaultRounding) },
            "formula.pointsPerHour");
        yield return Case("range spanning zero", Valid with { Formula = RuleFormula.Discretionary(-5, 5), NeedsSecondApproval = true }, "formula.maxPoints");
        yield return Case("discretion without second approval", Valid with { Formula = RuleFormula.Discretionary(5, 10) }, "needsSecondApproval");
        yield return Case("zero cap", Valid with { Limits = new RuleLimits(CapPerMonth: 0) }, "limits.capPerMonth");
        yield return Case("zero occurrences", Valid with { Limits = new RuleLimits(MaxPerYear: 0) }, "limits.maxPerYear");
        yield return Case("to before from", Valid with { Limits = new RuleLimits(EffectiveFrom: new(2026, 2, 1), EffectiveTo: new(2026, 1, 1)) },
            "limits.effectiveTo");
        yield return Case("nobody records", Valid with { RecordedBy = [] }, "recordedBy");
        yield return Case("unknown recorder", Valid with { RecordedBy = ["mayor"] }, "recordedBy");
        yield return Case("direct and reviewed", Valid with { NeedsReview = true }, "direct");
    }

    [TestCaseSource(nameof(Invalid))]
    public void InvalidDefinition_IsRefused_NamingTheField(RuleDefinition rule, string field) =>
        Assert.That(RuleValidation.Problems(rule, "rule.").Select(p => p.Field), Does.Contain("rule." + field));

    [Test]
    public void ValidDefinition_HasNoProblems() => Assert.That(RuleValidation.Problems(Valid), Is.Empty);

    [Test]
    public void Json_IsCamelCaseWithSnakeCaseKinds_AndRefusesUnknownMembers()
    {
        var json = RuleJson.Serialize(DefaultRules.All.Single(r => r.Code == "volunteer_service"));

        Assert.That(json, Does.Contain("\"kind\":\"per_hour\"").And.Contain("\"pointsPerHour\":1").And.Contain("\"upToMinutes\":15"));
        Assert.That(json, Does.Not.Contain("null"));
        Assert.Throws<System.Text.Json.JsonException>(() => RuleJson.Deserialize(json.Replace("\"nameZh\"", "\"nameZ\"")));
    }
}
