using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Points;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Inspections;

/// <summary>
/// What the households of one grid already have for one month under one rule, household by household: every entry of
/// the rule on their household accounts whose effective date lies in that month and that was not corrected (reversed)
/// — the entries <see cref="RecordInspections"/> replays or refuses, and the ones the rule's monthly limit counts. An
/// entry posted by an inspection (its derived ledger key, <see cref="Inspections.Key"/>) is marked
/// <see cref="InspectionGrading.ByInspection"/>. Each household says whether it is done (<see cref="Inspections.IsDone"/>:
/// graded by an inspection, or the rule's monthly occurrence limit reached by the rule's current version), so the
/// inspection page only shows who is done on a round over several days; it has no route of its own. Households
/// without an entry are not listed (none of them is done).
/// </summary>
[Allow(Role.Committee, Role.Inspector)]
public sealed record ListInspectionGradings(long CommunityId, long GridId, string RuleCode, string Period)
    : IRequest<Outcome<IReadOnlyList<HouseholdGradings>>>, IValidated, IQuery, IGridScoped
{
    long? IGridScoped.GridId => GridId;

    public IEnumerable<FieldError> Validate()
    {
        foreach (var e in Check.Positive("gridId", GridId)) yield return e;
        foreach (var e in Check.Code("ruleCode", RuleCode, 64)) yield return e;
        if (Inspections.ParsePeriod(Period) is null)
        {
            yield return new FieldError("period", "月份须写成 yyyy-MM，例如 2026-11", "must be a month as yyyy-MM, e.g. 2026-11");
        }
    }
}

/// <summary>One entry of the rule in the month on a household's account: its grade (from the stored facts) and points.</summary>
public sealed record InspectionGrading(long HouseholdId, string HouseholdCode, long AccountId, long Seq, string? Grade, long Points,
    bool ByInspection);

/// <summary>
/// One household's entries of the rule in the month, an inspection's grading first, and whether the household is done
/// for the month (the inspection round does not offer it again).
/// </summary>
public sealed record HouseholdGradings(long HouseholdId, string HouseholdCode, bool Done, IReadOnlyList<InspectionGrading> Entries)
{
    /// <summary>The entry that makes the household done (an inspection's grading first), or null while it is not done.</summary>
    public InspectionGrading? Grading => Done ? Entries[0] : null;
}

sealed class ListInspectionGradingsHandler(DbDataSource db) : IRequestHandler<ListInspectionGradings, Outcome<IReadOnlyList<HouseholdGradings>>>
{
    private const string Entries = """
        SELECT h.id AS HouseholdId, h.code AS HouseholdCode, a.id AS AccountId, t.seq AS Seq, t.idempotency_key AS LedgerKey,
               t.facts AS Facts, p.amount AS Points
          FROM households h
          JOIN accounts a ON a.household_id = h.id AND a.community_id = h.community_id
          JOIN ledger_postings p ON p.account_id = a.id
          JOIN ledger_transactions t ON t.id = p.transaction_id
         WHERE h.community_id = @communityId AND h.grid_id = @gridId
           AND t.community_id = @communityId AND t.rule_code = @ruleCode AND t.kind IN ('award', 'deduct')
           AND t.effective_date >= @monthStart AND t.effective_date <= @monthEnd
           AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.community_id = t.community_id AND r.reverses_seq = t.seq)
         ORDER BY h.code, t.seq
        """;

    // Settable: SQLite types computed columns loosely, which positional records refuse.
    private sealed class EntryRow
    {
        public long HouseholdId { get; set; }
        public string HouseholdCode { get; set; } = "";
        public long AccountId { get; set; }
        public long Seq { get; set; }
        public string? LedgerKey { get; set; }
        public string? Facts { get; set; }
        public long Points { get; set; }
    }

    public async Task<Outcome<IReadOnlyList<HouseholdGradings>>> Handle(ListInspectionGradings request, CancellationToken ct)
    {
        var month = Inspections.ParsePeriod(request.Period)!.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        // The rule's current version: the one a batch would grade by, so its monthly limit is the one that refuses.
        if (await RuleCatalog.FindCurrentAsync(connection, request.CommunityId, request.RuleCode, ct) is not { } current)
        {
            return new Failure("rule_not_found", $"community {request.CommunityId} has no rule '{request.RuleCode}'");
        }
        var rule = current.ToRuleVersion().Rule;
        var rows = await connection.QueryAsync<EntryRow>(new CommandDefinition(Entries, new
        {
            communityId = request.CommunityId,
            gridId = request.GridId,
            ruleCode = request.RuleCode,
            monthStart = month.ToString(Projections.DateFormat, CultureInfo.InvariantCulture),
            monthEnd = month.AddMonths(1).AddDays(-1).ToString(Projections.DateFormat, CultureInfo.InvariantCulture),
        }, cancellationToken: ct));
        return rows.Select(r => new InspectionGrading(r.HouseholdId, r.HouseholdCode, r.AccountId, r.Seq, GradeOf(r.Facts), r.Points,
                Inspections.IsKey(r.LedgerKey, r.HouseholdId, request.Period, request.RuleCode)))
            .GroupBy(g => (g.HouseholdId, g.HouseholdCode))
            .Select(g =>
            {
                var entries = g.OrderByDescending(e => e.ByInspection).ThenBy(e => e.Seq).ToList();
                return new HouseholdGradings(g.Key.HouseholdId, g.Key.HouseholdCode, Inspections.IsDone(rule, month, entries), entries);
            })
            .ToList();
    }

    private static string? GradeOf(string? facts)
    {
        if (string.IsNullOrEmpty(facts))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ByRule.StoredFacts>(facts, RuleJson.Options)?.Facts?.Grade;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
