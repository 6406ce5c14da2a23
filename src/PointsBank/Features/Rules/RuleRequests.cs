using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Infrastructure;
using PointsBank.Rules;

namespace PointsBank.Features.Rules;

/// <summary>What the rule requests share: their checks, their failures and their one way of adopting a rule.</summary>
internal static class RuleRequests
{
    private const string CommunityCount = "SELECT COUNT(*) FROM communities WHERE id = @communityId";

    public static IEnumerable<FieldError> Validate(RuleDefinition? rule, RuleAdoption? adoption)
    {
        if (rule is null)
        {
            yield return new FieldError("rule", "不能为空", "is required");
        }
        else
        {
            foreach (var problem in RuleValidation.Problems(rule, "rule."))
            {
                yield return new FieldError(problem.Field, problem.Zh, problem.En);
            }
        }
        if (adoption is null)
        {
            yield return new FieldError("adoption", "须写明通过细则的会议和日期", "is required: the meeting that adopted the rule and its date");
            yield break;
        }
        foreach (var error in Check.Text("adoption.meeting", adoption.Meeting, 200)
                     .Concat(Check.Text("adoption.note", adoption.Note, 1000, required: false, allowLineBreaks: true)))
        {
            yield return error;
        }
        if (adoption.AdoptedOn == default)
        {
            yield return new FieldError("adoption.adoptedOn", "须为会议日期（yyyy-MM-dd）", "must be the date of the meeting (yyyy-MM-dd)");
        }
    }

    public static async Task<Outcome<RuleView>> AdoptAsync(UnitOfWork work, long communityId, RuleDefinition rule, RuleAdoption adoption,
        string actor, CancellationToken ct)
    {
        await RuleCatalog.AdoptAsync(work, communityId, adoption, [rule], actor, ct);
        return (await RuleCatalog.FindCurrentAsync(work, communityId, rule.Code, ct))!;
    }

    /// <summary>
    /// A read of the catalogue: <paramref name="read"/> on a connection of its own, once the community is known to
    /// exist; its null answer means the rule does not exist.
    /// </summary>
    public static async Task<Outcome<T>> ReadAsync<T>(DbDataSource db, long communityId, string? code,
        Func<DbConnection, Task<T?>> read, CancellationToken ct) where T : class
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(CommunityCount, new { communityId }, cancellationToken: ct)) == 0)
        {
            return CommunityNotFound(communityId);
        }
        return await read(connection) is { } found ? new Outcome<T>(found, null) : RuleNotFound(code ?? "");
    }

    public static Failure CommunityNotFound(long communityId) => new("community_not_found", $"community {communityId} does not exist");

    public static Failure RuleNotFound(string code) => new("rule_not_found", $"the catalogue has no rule '{code}'");
}
