using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Tests.Rules;

/// <summary>
/// The evaluator as tables: every formula, every limit, rounding, effective dates, and the day, month and year windows
/// at their calendar boundaries (effective dates are the community's local days, Asia/Shanghai for the demo).
/// </summary>
[TestFixture]
public sealed class RuleEvaluatorTests
{
    private static readonly PriorEntry[] NoEntries = [];

    private static RuleVersion Rule(RuleFormula formula, RuleLimits? limits = null, string code = "r", string nameZh = "卫生评比",
        string nameEn = "Hygiene check") =>
        new(1, new RuleDefinition(code, nameZh, nameEn, Categories.Hygiene, formula, limits, ["committee"]));

    private static readonly RuleFormula Hygiene =
        RuleFormula.Graded(new("优", "excellent", 10), new("良", "good", 6), new("中", "fair", 3), new("差", "poor", 0));

    private static DateOnly D(string date) => DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);

    private static PriorEntry[] Entries(params (string Date, long Points)[] entries) =>
        entries.Select(e => new PriorEntry("r", D(e.Date), e.Points)).ToArray();

    [Test]
    public void Fixed_GivesItsPoints_AndSaysSo()
    {
        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.Fixed(5), nameZh: "参加义务劳动", nameEn: "Unpaid labour"), RuleFacts.None, NoEntries, D("2026-03-02"));

        Assert.That((result.Accepted, result.Points), Is.EqualTo((true, 5L)));
        Assert.That(result.Zh(), Is.EqualTo("参加义务劳动 → +5"));
        Assert.That(result.En(), Is.EqualTo("Unpaid labour → +5"));
    }

    [Test]
    public void Deduction_TakesItsPoints()
    {
        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.Deduct(5), nameZh: "焚烧秸秆"), RuleFacts.None, NoEntries, D("2026-03-02"));

        Assert.That(result.Points, Is.EqualTo(-5));
        Assert.That(result.Zh(), Is.EqualTo("焚烧秸秆 → -5"));
    }

    [TestCase("优", 10)]
    [TestCase("良", 6)]
    [TestCase("中", 3)]
    [TestCase("差", 0)]
    [TestCase(" 优 ", 10)]
    public void Grade_LooksUpItsPoints(string grade, long points)
    {
        var result = RuleEvaluator.Evaluate(Rule(Hygiene), new RuleFacts(Grade: grade), NoEntries, D("2026-03-02"));

        Assert.That((result.Accepted, result.Points), Is.EqualTo((true, points)));
        Assert.That(result.Steps.Single().Kind, Is.EqualTo(StepKind.Grade));
    }

    [Test]
    public void Grade_Unknown_IsRefused_NamingTheChoices()
    {
        var result = RuleEvaluator.Evaluate(Rule(Hygiene), new RuleFacts(Grade: "甲"), NoEntries, D("2026-03-02"));

        Assert.That((result.Refusal, result.Points), Is.EqualTo(((RuleRefusal?)RuleRefusal.UnknownGrade, 0L)));
        Assert.That(result.Zh(), Is.EqualTo("卫生评比 没有等次“甲”（可选：优、良、中、差）"));
        Assert.That(result.En(), Is.EqualTo("Hygiene check no grade '甲' (choices: 优, 良, 中, 差)"));
    }

    // The rounding table ≤15 → 0, ≤45 → 30, ≤60 → 60 applies to the minutes of the last started hour.
    [TestCase(0, 0)]
    [TestCase(10, 0)]
    [TestCase(15, 0)]
    [TestCase(16, 30)]
    [TestCase(45, 30)]
    [TestCase(46, 60)]
    [TestCase(60, 60)]
    [TestCase(75, 60)]
    [TestCase(76, 90)]
    [TestCase(100, 90)]
    [TestCase(106, 120)]
    [TestCase(120, 120)]
    public void Rounding_CreditsTheMinutesOfEachStartedHour(int minutes, int credited) =>
        Assert.That(RuleEvaluator.CreditedMinutes(minutes, RuleFormula.DefaultRounding), Is.EqualTo(credited));

    // 1 point per hour, at most 2 hours per activity (海林); fractions of a point are dropped.
    [TestCase(10, 1, 0L)]
    [TestCase(30, 1, 0L)]
    [TestCase(50, 1, 1L)]
    [TestCase(100, 1, 1L)]
    [TestCase(110, 1, 2L)]
    [TestCase(300, 1, 2L)]
    [TestCase(90, 2, 3L)]
    [TestCase(300, 3, 6L)]
    public void PerHour_RoundsCapsAndMultiplies(int minutes, long perHour, long points)
    {
        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.PerHour(perHour, maxHours: 2)), new RuleFacts(Minutes: minutes), NoEntries, D("2026-03-02"));

        Assert.That((result.Accepted, result.Points), Is.EqualTo((true, points)));
    }

    [Test]
    public void PerHour_ExplainsRoundingTheHourCapAndTheRate()
    {
        var rule = Rule(RuleFormula.PerHour(1, maxHours: 2), nameZh: "志愿服务", nameEn: "Volunteer service");

        var capped = RuleEvaluator.Evaluate(rule, new RuleFacts(Minutes: 170), NoEntries, D("2026-03-02"));
        var half = RuleEvaluator.Evaluate(rule, new RuleFacts(Minutes: 100), NoEntries, D("2026-03-02"));

        Assert.That(capped.Zh(), Is.EqualTo("志愿服务 服务 170 分钟 → 计 3 小时；每次最多计 2 小时 → 计 2 小时；2 小时 × 每小时 1 分 → +2"));
        Assert.That(capped.En(), Is.EqualTo("Volunteer service 170 min of service → 3 h counted; at most 2 h per occurrence → 2 h; 2 h × 1 per hour → +2"));
        Assert.That(half.Zh(), Is.EqualTo("志愿服务 服务 100 分钟 → 计 1.5 小时；1.5 小时 × 每小时 1 分 → +1（不足 1 分不计）"));
    }

    [TestCase(5L, true)]
    [TestCase(8L, true)]
    [TestCase(10L, true)]
    [TestCase(4L, false)]
    [TestCase(11L, false)]
    [TestCase(-5L, false)]
    public void Discretion_TakesAnAmountWithinItsRange(long amount, bool accepted)
    {
        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.Discretionary(5, 10), nameZh: "拾金不昧"), new RuleFacts(Amount: amount), NoEntries, D("2026-03-02"));

        Assert.That(result.Accepted, Is.EqualTo(accepted));
        Assert.That(result.Points, Is.EqualTo(accepted ? amount : 0));
        Assert.That(result.Refusal, Is.EqualTo(accepted ? null : (RuleRefusal?)RuleRefusal.AmountOutOfRange));
        if (amount == 11)
        {
            Assert.That(result.Zh(), Is.EqualTo("拾金不昧 酌定分值须在 +5 至 +10 之间，收到 +11"));
        }
    }

    [TestCase(FormulaKind.PerHour, "minutes")]
    [TestCase(FormulaKind.Grade, "grade")]
    [TestCase(FormulaKind.Discretion, "amount")]
    public void MissingFacts_AreRefused_NamingTheFact(FormulaKind kind, string fact)
    {
        var formula = kind switch
        {
            FormulaKind.PerHour => RuleFormula.PerHour(1),
            FormulaKind.Grade => Hygiene,
            _ => RuleFormula.Discretionary(5, 10),
        };

        var result = RuleEvaluator.Evaluate(Rule(formula), RuleFacts.None, NoEntries, D("2026-03-02"));

        Assert.That(result.Refusal, Is.EqualTo(RuleRefusal.MissingFacts));
        Assert.That(result.Steps.Single().Fact, Is.EqualTo(fact));
    }

    [TestCase(29, false)]
    [TestCase(30, true)]
    public void MinimumDuration_RefusesShorterService(int minutes, bool accepted)
    {
        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.PerHour(1), new RuleLimits(MinMinutes: 30)), new RuleFacts(Minutes: minutes), NoEntries, D("2026-03-02"));

        Assert.That(result.Accepted, Is.EqualTo(accepted));
        if (!accepted)
        {
            Assert.That(result.Refusal, Is.EqualTo(RuleRefusal.BelowMinimumDuration));
            Assert.That(result.Zh(), Is.EqualTo("卫生评比 至少 30 分钟，实际 29 分钟 → 不计"));
        }
    }

    [TestCase("2025-12-31", false, "卫生评比 自 2026-01-01 起施行，2025-12-31 不适用")]
    [TestCase("2026-01-01", true, null)]
    [TestCase("2026-12-31", true, null)]
    [TestCase("2027-01-01", false, "卫生评比 已于 2026-12-31 停止施行，2027-01-01 不适用")]
    public void EffectiveFromAndTo_AreInclusive(string date, bool accepted, string? explanation)
    {
        var limits = new RuleLimits(EffectiveFrom: D("2026-01-01"), EffectiveTo: D("2026-12-31"));

        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.Fixed(5), limits), RuleFacts.None, NoEntries, D(date));

        Assert.That(result.Accepted, Is.EqualTo(accepted));
        Assert.That(result.Refusal, Is.EqualTo(accepted ? null : (RuleRefusal?)RuleRefusal.NotInEffect));
        if (explanation is not null)
        {
            Assert.That(result.Zh(), Is.EqualTo(explanation));
        }
    }

    // At most once per month: the month is the calendar month of effective dates.
    [TestCase("2026-11-30", "2026-11-01", false)]
    [TestCase("2026-11-30", "2026-11-30", false)]
    [TestCase("2026-11-30", "2026-12-01", true)]
    [TestCase("2026-12-01", "2026-11-30", true)]
    [TestCase("2025-12-31", "2026-01-01", true)]
    [TestCase("2025-12-15", "2026-12-15", true)]
    public void OncePerMonth_CountsTheCalendarMonth(string prior, string date, bool accepted)
    {
        var result = RuleEvaluator.Evaluate(Rule(Hygiene, new RuleLimits(MaxPerMonth: 1)), new RuleFacts(Grade: "优"), Entries((prior, 10)), D(date));

        Assert.That(result.Accepted, Is.EqualTo(accepted));
        if (!accepted)
        {
            Assert.That(result.Refusal, Is.EqualTo(RuleRefusal.OccurrenceLimitReached));
            Assert.That(result.Zh(), Is.EqualTo("卫生评比 每月最多 1 次，本月已有 1 次 → 不能再记"));
        }
    }

    [TestCase("2026-12-31", "2026-01-01", false)]
    [TestCase("2025-12-31", "2026-01-01", true)]
    [TestCase("2026-01-01", "2025-12-31", true)]
    public void OncePerYear_CountsTheCalendarYear(string prior, string date, bool accepted) =>
        Assert.That(RuleEvaluator.Evaluate(Rule(RuleFormula.Fixed(20), new RuleLimits(MaxPerYear: 1)), RuleFacts.None, Entries((prior, 20)), D(date)).Accepted,
            Is.EqualTo(accepted));

    [TestCase(1, "2026-03-02", false)]
    [TestCase(2, "2026-03-02", true)]
    [TestCase(1, "2026-03-03", true)]
    public void AtMostNPerDay_CountsTheDay(int max, string date, bool accepted) =>
        Assert.That(RuleEvaluator.Evaluate(Rule(RuleFormula.Fixed(10), new RuleLimits(MaxPerDay: max)), RuleFacts.None, Entries(("2026-03-02", 10)), D(date)).Accepted,
            Is.EqualTo(accepted));

    [Test]
    public void Cap_PartlyUsed_GrantsTheRest_AndSaysSo()
    {
        var result = RuleEvaluator.Evaluate(Rule(Hygiene, new RuleLimits(CapPerMonth: 20)), new RuleFacts(Grade: "优"),
            Entries(("2026-11-03", 6), ("2026-11-20", 9)), D("2026-11-30"));

        Assert.That((result.Accepted, result.Points), Is.EqualTo((true, 5L)));
        Assert.That(result.Zh(), Is.EqualTo("卫生评比 优 → +10；本月上限 20，已得 15 → 实得 +5"));
        Assert.That(result.En(), Is.EqualTo("Hygiene check grade 优 (excellent) → +10; monthly cap 20, already 15 → granted +5"));
    }

    [Test]
    public void Cap_FullyUsed_GivesZero_Explained()
    {
        var result = RuleEvaluator.Evaluate(Rule(Hygiene, new RuleLimits(CapPerMonth: 20)), new RuleFacts(Grade: "优"), Entries(("2026-11-03", 20)), D("2026-11-30"));

        Assert.That((result.Accepted, result.Points), Is.EqualTo((true, 0L)));
        Assert.That(result.Zh(), Is.EqualTo("卫生评比 优 → +10；本月上限 20，已得 20 → 实得 0"));
    }

    // Caps per day, month and year, at their calendar boundaries: (cap period, prior entry, evaluated date) → points.
    [TestCase(LimitPeriod.Day, "2026-03-02", "2026-03-02", 2L)]
    [TestCase(LimitPeriod.Day, "2026-03-01", "2026-03-02", 10L)]
    [TestCase(LimitPeriod.Month, "2026-11-30", "2026-11-01", 2L)]
    [TestCase(LimitPeriod.Month, "2026-11-30", "2026-12-01", 10L)]
    [TestCase(LimitPeriod.Month, "2026-12-01", "2026-11-30", 10L)]
    [TestCase(LimitPeriod.Year, "2026-01-01", "2026-12-31", 2L)]
    [TestCase(LimitPeriod.Year, "2025-12-31", "2026-01-01", 10L)]
    [TestCase(LimitPeriod.Year, "2026-01-01", "2025-12-31", 10L)]
    public void Caps_CountTheirCalendarPeriod(LimitPeriod period, string prior, string date, long points)
    {
        var limits = period switch
        {
            LimitPeriod.Day => new RuleLimits(CapPerDay: 20),
            LimitPeriod.Month => new RuleLimits(CapPerMonth: 20),
            _ => new RuleLimits(CapPerYear: 20),
        };

        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.Fixed(10), limits), RuleFacts.None, Entries((prior, 18)), D(date));

        Assert.That(result.Points, Is.EqualTo(points));
    }

    [Test]
    public void SeveralCaps_TheTightestWins_EachExplainedWhereItBites()
    {
        var limits = new RuleLimits(CapPerDay: 8, CapPerMonth: 20, CapPerYear: 100);

        var result = RuleEvaluator.Evaluate(Rule(RuleFormula.Fixed(10), limits), RuleFacts.None, Entries(("2026-05-01", 10), ("2026-05-02", 4)), D("2026-05-02"));

        Assert.That(result.Points, Is.EqualTo(4));
        Assert.That(result.Steps.Where(s => s.Kind == StepKind.Cap).Select(s => (s.Period, s.Points)),
            Is.EqualTo(new[] { ((LimitPeriod?)LimitPeriod.Day, (long?)4L) }));
    }

    [Test]
    public void Deduction_UnderACap_TakesOnlyTheRest()
    {
        var rule = Rule(RuleFormula.Deduct(5), new RuleLimits(CapPerMonth: 20), nameZh: "乱扔垃圾", nameEn: "Littering");

        var partly = RuleEvaluator.Evaluate(rule, RuleFacts.None, Entries(("2026-06-01", -5), ("2026-06-09", -5), ("2026-06-10", -8)), D("2026-06-30"));
        var fully = RuleEvaluator.Evaluate(rule, RuleFacts.None, Entries(("2026-06-01", -20)), D("2026-06-30"));
        var nextMonth = RuleEvaluator.Evaluate(rule, RuleFacts.None, Entries(("2026-06-01", -20)), D("2026-07-01"));

        Assert.That(partly.Points, Is.EqualTo(-2));
        Assert.That(partly.Zh(), Is.EqualTo("乱扔垃圾 → -5；本月扣分上限 20，已扣 18 → 实扣 -2"));
        Assert.That(partly.En(), Is.EqualTo("Littering → -5; monthly deduction cap 20, already 18 → deducted -2"));
        Assert.That(fully.Points, Is.EqualTo(0));
        Assert.That(nextMonth.Points, Is.EqualTo(-5));
    }

    [Test]
    public void EntriesOfOtherRules_DoNotCount()
    {
        var others = new[] { new PriorEntry("other", D("2026-11-03"), 20), new PriorEntry("other", D("2026-11-04"), 10) };

        var result = RuleEvaluator.Evaluate(Rule(Hygiene, new RuleLimits(CapPerMonth: 20, MaxPerMonth: 1)), new RuleFacts(Grade: "优"), others, D("2026-11-30"));

        Assert.That((result.Accepted, result.Points), Is.EqualTo((true, 10L)));
    }

    [Test]
    public void Evaluation_KeepsTheRuleCodeAndVersion_AndRoundTripsAsJson()
    {
        var rule = new RuleVersion(3, Rule(Hygiene, new RuleLimits(CapPerMonth: 20)).Rule);
        var result = RuleEvaluator.Evaluate(rule, new RuleFacts(Grade: "优"), Entries(("2026-11-03", 15)), D("2026-11-30"));

        var json = System.Text.Json.JsonSerializer.Serialize(result, RuleJson.Options);
        var back = System.Text.Json.JsonSerializer.Deserialize<Evaluation>(json, RuleJson.Options)!;

        Assert.That((result.RuleCode, result.RuleVersion), Is.EqualTo(("r", 3)));
        Assert.That(json, Does.Contain("\"kind\":\"cap\"").And.Contain("\"period\":\"month\""));
        Assert.That(back.Zh(), Is.EqualTo(result.Zh()));
        Assert.That(back.En(), Is.EqualTo(result.En()));
    }
}
