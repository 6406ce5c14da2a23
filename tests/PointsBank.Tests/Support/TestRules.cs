using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Tests.Support;

/// <summary>
/// Test rules for awarding and deducting a chosen number of points: awards and deductions are made by rules only, and
/// the default catalogue's rules have their own points and caps (per day, month, year) that tests which award many
/// times, or a given amount, would run into. <see cref="AwardAsync"/> adds to a community's catalogue (once) a fixed
/// rule of exactly that many points, with no limits, recordable by the committee and inspectors, and returns its code;
/// <see cref="DeductAsync"/> the same for a fixed deduction. A test then awards as any client would:
/// <c>{accountId, ruleCode}</c>.
/// </summary>
public static class TestRules
{
    private static readonly RuleAdoption Adoption = new("测试用细则（测试会议）", new DateOnly(2026, 1, 1));
    private static readonly string[] Recorders = ["committee", "inspector"];

    public static string AwardCode(long points, string category = Categories.GoodDeed) =>
        $"test_{category}_{points.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static string DeductCode(long points) => $"test_deduct_{points.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static RuleDefinition Award(long points, string category = Categories.GoodDeed) =>
        new(AwardCode(points, category), $"测试加分 {points} 分", $"Test award of {points}", category, RuleFormula.Fixed(points), null, Recorders);

    public static RuleDefinition Deduct(long points) =>
        new(DeductCode(points), $"测试扣分 {points} 分", $"Test deduction of {points}", Categories.Deduction, RuleFormula.Deduct(points), null, Recorders);

    /// <summary>The code of a fixed award rule of <paramref name="points"/> in <paramref name="category"/>, added to the catalogue if missing.</summary>
    public static async Task<string> AwardAsync(IServiceProvider services, long communityId, long points, string category = Categories.GoodDeed)
    {
        await EnsureAsync(services, communityId, Award(points, category));
        return AwardCode(points, category);
    }

    /// <summary>The code of a fixed deduction rule of <paramref name="points"/>, added to the catalogue if missing.</summary>
    public static async Task<string> DeductAsync(IServiceProvider services, long communityId, long points)
    {
        await EnsureAsync(services, communityId, Deduct(points));
        return DeductCode(points);
    }

    /// <summary>Adds <paramref name="rule"/> to the community's catalogue (as the operator at the command line would) unless it is there.</summary>
    public static async Task EnsureAsync(IServiceProvider services, long communityId, RuleDefinition rule)
    {
        await using var scope = services.CreateAsyncScope();
        // The caller may be a singleton in a test's own container: put back whoever it was.
        var callers = scope.ServiceProvider.GetRequiredService<CallerContext>();
        var previous = callers.Current;
        callers.Current = Caller.Cli("test-rules");
        try
        {
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            if ((await mediator.Send(new GetRule(communityId, rule.Code))).Succeeded)
            {
                return;
            }
            var created = await mediator.Send(new CreateRule(communityId, rule, Adoption));
            Assert.That(created.Failure, Is.Null, created.Failure?.Detail);
        }
        finally
        {
            callers.Current = previous;
        }
    }
}
