using PointsBank.Pages.Rules;
using PointsBank.Rules;

namespace PointsBank.Tests.Rules;

/// <summary>The words for a per-hour rule come from its formula — rate, rounding table, hours cap — and agree with the evaluator.</summary>
public sealed class HourWordsTests
{
    [Test]
    public void TheDefaultVolunteerRule_SaysAHalfHourEarnsNothing_AndOneAndAHalfHoursEarnOnePoint()
    {
        var words = HourWords.Of(RuleFormula.PerHour(1, maxHours: 2));

        Assert.That(words?.Zh, Is.EqualTo("每满 1 小时记 1 分；不足 1 小时的零头：45 分钟以内不计分，超过 45 分钟按 1 小时算，记 1 分；每次最多计 2 小时（2 分）。例如服务 1.5 小时记 1 分。"));
        Assert.That(words?.En, Does.StartWith("1 point for each full hour; of a started hour, up to 45 min earn nothing, over 45 min count as a full hour (1 point)"));
    }

    [Test]
    public void TwoPointsAnHour_GiveTheHalfHourItsPoint()
    {
        var words = HourWords.Of(RuleFormula.PerHour(2));

        Assert.That(words?.Zh, Is.EqualTo("每满 1 小时记 2 分；不足 1 小时的零头：15 分钟以内不计分，16–45 分钟记 1 分，超过 45 分钟按 1 小时算，记 2 分。例如服务 1.5 小时记 3 分。"));
    }

    [Test]
    public void ATableThatNeverReachesAPoint_SaysThePartOfAnHourDoesNotCount()
    {
        var words = HourWords.Of(RuleFormula.PerHour(1, rounding: [new RoundingBand(30, 0), new RoundingBand(60, 30)]));

        Assert.That(words?.Zh, Is.EqualTo("每满 1 小时记 1 分；不足 1 小时的部分不计。例如服务 1.5 小时记 1 分。"));
    }

    [Test]
    public void OtherKinds_HaveNoHourWords() =>
        Assert.That(HourWords.Of(RuleFormula.Fixed(10)), Is.Null);

    [TestCase(0)]
    [TestCase(14)]
    [TestCase(30)]
    [TestCase(46)]
    [TestCase(90)]
    [TestCase(100)]
    [TestCase(175)]
    [TestCase(600)]
    public void ThePointsOfAStretch_AreTheEvaluators(int minutes)
    {
        foreach (var formula in new[] { RuleFormula.PerHour(1, maxHours: 2), RuleFormula.PerHour(3), RuleFormula.PerHour(2, maxHours: 1) })
        {
            var rule = new RuleVersion(1, new RuleDefinition("per_hour", "按时", "Per hour", "volunteer", formula));
            var evaluated = RuleEvaluator.Evaluate(rule, new RuleFacts(Minutes: minutes), [], new DateOnly(2026, 11, 30));

            Assert.That(HourWords.Points(formula, minutes), Is.EqualTo(evaluated.Points), $"{minutes} min by {formula}");
        }
    }
}
