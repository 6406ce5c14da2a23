using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Inspections;

/// <summary>One household's grade in an inspection batch, with an optional note (the evidence the inspector saw).</summary>
public sealed record InspectionGrade(long HouseholdId, string Grade, string? Note = null);

/// <summary>
/// 卫生检查: an inspector (or the committee) grades the households of one grid for one month under a graded rule of the
/// catalogue (<c>waste_sorting</c>, <c>frontage_tidy</c>…), in one batch. Each household gets one award transaction on
/// its household account, through the rule's evaluator (so its once-a-month limit holds), explained by the rule.
/// <para>
/// All or nothing: one household that is not an active household of the grid, has no account, gets a grade the rule
/// does not know, or was already graded that month otherwise, refuses the whole batch with a problem naming it; the
/// households already graded by an inspection with another grade are all named (door-plate code, grade, entry; the
/// problem's <c>households</c>), so a worker sees every one of them at once. The inspection page offers none of them
/// (<see cref="ListInspectionGradings"/>), so a normal round never meets this refusal.
/// </para>
/// <para>
/// Effective date: the last day of <see cref="Period"/>, so the grading counts in that month's aggregates and
/// rankings; for the current month (in the community's time zone) today, because the ledger takes no future dates. A
/// future month is refused.
/// </para>
/// <para>
/// Idempotent per (household, month, rule): each entry's ledger key is derived, <c>inspection-{household}-{yyyy-MM}-{rule}</c>,
/// whatever Idempotency-Key the batch came with. The same grade again finds that entry and returns it as replayed
/// (nothing new); another grade is refused as already graded. When the committee corrects (reverses) the entry, the
/// next grading takes the next key of the sequence, <c>…-{rule}-r1</c>, <c>…-r2</c> (r = the number of corrected
/// gradings before it), so a correction re-opens the month while the reversed entry keeps its own key.
/// </para>
/// </summary>
[Allow(Role.Committee, Role.Inspector)]
public sealed record RecordInspections(
    [property: JsonIgnore] long CommunityId,
    long GridId,
    string RuleCode,
    string Period,
    IReadOnlyList<InspectionGrade> Grades,
    [property: JsonIgnore] string IdempotencyKey = "")
    : IRequest<Outcome<InspectionsRecorded>>, IValidated, IGridScoped, IIdempotent, IBulkWrite
{
    public const int MaxHouseholds = 500;

    long? IGridScoped.GridId => GridId;

    public IEnumerable<FieldError> Validate()
    {
        foreach (var e in Check.Positive("gridId", GridId)) yield return e;
        foreach (var e in Check.Code("ruleCode", RuleCode, 64)) yield return e;
        if (Inspections.ParsePeriod(Period) is null)
        {
            yield return new FieldError("period", "月份须写成 yyyy-MM，例如 2026-11", "must be a month as yyyy-MM, e.g. 2026-11");
        }
        if (Grades is not { Count: > 0 and <= MaxHouseholds })
        {
            yield return new FieldError("grades", $"须为 1 到 {MaxHouseholds} 户的评定", $"must grade 1 to {MaxHouseholds} households");
            yield break;
        }
        var seen = new HashSet<long>();
        for (var i = 0; i < Grades.Count; i++)
        {
            var g = Grades[i];
            if (g is null)
            {
                yield return new FieldError($"grades[{i}]", "不能为空", "must not be null");
                continue;
            }
            foreach (var e in Check.Positive($"grades[{i}].householdId", g.HouseholdId)) yield return e;
            foreach (var e in Check.Text($"grades[{i}].grade", g.Grade, 20)) yield return e;
            foreach (var e in Check.Text($"grades[{i}].note", g.Note, 500, required: false)) yield return e;
            if (!seen.Add(g.HouseholdId))
            {
                yield return new FieldError($"grades[{i}].householdId", $"户 {g.HouseholdId} 在本批中出现了两次", $"household {g.HouseholdId} appears twice in the batch");
            }
        }
    }
}

/// <summary>One household's entry of a batch: new, or (<see cref="Replayed"/>) the one an earlier batch posted.</summary>
public sealed record InspectionPosting(long Seq, long HouseholdId, string HouseholdCode, long AccountId, string Grade, long Points,
    string Explanation, bool Replayed);

/// <summary>What a batch posted, household by household in the order sent.</summary>
public sealed record InspectionsRecorded(long GridId, string RuleCode, string Period, DateOnly EffectiveDate,
    IReadOnlyList<InspectionPosting> Transactions, bool Replayed = false) : IReplayable
{
    public object AsReplayed() => this with { Replayed = true };
}

internal static class Inspections
{
    public static DateOnly? ParsePeriod(string? period) =>
        period is { Length: 7 } && DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
            ? first
            : null;

    /// <summary>The ledger key of a household's grading for a month under a rule, after <paramref name="corrected"/> corrected ones.</summary>
    public static string Key(long householdId, string period, string ruleCode, int corrected) => corrected == 0
        ? LedgerKeys.Derived("inspection", householdId.ToString(CultureInfo.InvariantCulture), period, ruleCode)
        : LedgerKeys.Derived("inspection", householdId.ToString(CultureInfo.InvariantCulture), period, ruleCode, $"r{corrected}");

    /// <summary>Whether <paramref name="ledgerKey"/> is one of the keys of a household's grading for a month under a rule (any correction).</summary>
    public static bool IsKey(string? ledgerKey, long householdId, string period, string ruleCode)
    {
        var first = Key(householdId, period, ruleCode, 0);
        return ledgerKey is not null && (ledgerKey == first
            || (ledgerKey.StartsWith(first + "-r", StringComparison.Ordinal) && int.TryParse(ledgerKey.AsSpan(first.Length + 2), NumberStyles.None, CultureInfo.InvariantCulture, out _)));
    }

    /// <summary>At most this many corrected gradings of one household and month; then the batch is refused.</summary>
    public const int MaxCorrections = 50;

    /// <summary>
    /// Whether a household is done for a month under a rule, from its uncorrected entries of the rule in that month
    /// (<see cref="ListInspectionGradings"/>): graded by an inspection (<see cref="InspectionGrading.ByInspection"/>),
    /// or holding as many entries as the rule's monthly occurrence limit allows (graded otherwise, e.g. an award on its
    /// account page) — asked of the evaluator (<see cref="RuleEvaluator.OccurrenceLimitReached"/>), the same count by
    /// which a batch's entry for that household is refused (<c>inspection_household_refused</c>).
    /// </summary>
    public static bool IsDone(RuleDefinition rule, DateOnly month, IReadOnlyList<InspectionGrading> entries) =>
        entries.Any(e => e.ByInspection)
        // Every entry lies in the month (that is what the query reads), so the month's first day stands for its date.
        || RuleEvaluator.OccurrenceLimitReached(rule, LimitPeriod.Month, entries.Select(e => new PriorEntry(rule.Code, month, e.Points)), month) is not null;
}

sealed class RecordInspectionsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<RecordInspections, Outcome<InspectionsRecorded>>
{
    private const string Grid = "SELECT COUNT(*) FROM grids WHERE id = @gridId AND community_id = @communityId";

    private const string Household = """
        SELECT h.id AS Id, h.code AS Code, h.grid_id AS GridId, h.is_active AS IsActive, a.id AS AccountId
          FROM households h LEFT JOIN accounts a ON a.household_id = h.id AND a.community_id = h.community_id
         WHERE h.id = @householdId AND h.community_id = @communityId
        """;

    // The entry under a derived key on the household's account, and whether it was corrected (reversed).
    private const string ByKey = """
        SELECT t.seq AS Seq, t.facts AS Facts, t.explanation AS Explanation, p.amount AS Points,
               CASE WHEN EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.community_id = t.community_id AND r.reverses_seq = t.seq)
                    THEN 1 ELSE 0 END AS Reversed
          FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id AND p.account_id = @accountId
         WHERE t.community_id = @communityId AND t.idempotency_key = @key
        """;

    // Settable rows: SQLite types an empty result's computed columns loosely, which positional records refuse.
    private sealed class HouseholdRow
    {
        public long Id { get; set; }
        public string Code { get; set; } = "";
        public long? GridId { get; set; }
        public bool IsActive { get; set; }
        public long? AccountId { get; set; }
    }

    private sealed class KeyedRow
    {
        public long Seq { get; set; }
        public string Facts { get; set; } = "{}";
        public string Explanation { get; set; } = "";
        public long Points { get; set; }
        public bool Reversed { get; set; }
    }

    public async Task<Outcome<InspectionsRecorded>> Handle(RecordInspections request, CancellationToken ct)
    {
        var caller = callers.Current;
        var communityId = request.CommunityId;
        var rule = await ByRule.DirectRuleAsync(work, caller, communityId, request.RuleCode, ct);
        if (!rule.Succeeded)
        {
            return rule.Failure!;
        }
        if (rule.Value!.Rule.Formula.Kind != FormulaKind.Grade)
        {
            return new Failure("inspection_rule_not_graded", $"'{request.RuleCode}' is not a graded rule: inspections grade households");
        }
        if (await work.ScalarAsync<long>(Grid, new { gridId = request.GridId, communityId }, ct) == 0)
        {
            return new Failure("grid_not_found", $"community {communityId} has no grid {request.GridId}");
        }
        var month = Inspections.ParsePeriod(request.Period)!.Value;
        var today = ByRule.Today(work);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        if (month > thisMonth)
        {
            return new Failure("inspection_period_in_future", $"{request.Period} has not begun: grade a month that has");
        }
        var date = month == thisMonth ? today : month.AddMonths(1).AddDays(-1);

        var results = new InspectionPosting?[request.Grades.Count];
        var entries = new List<(int Index, HouseholdRow Household, LedgerEntry Entry)>();
        // Every household of the batch graded otherwise this month: the refusal names them all, not the first.
        var graded = new List<GradedBefore>();
        for (var i = 0; i < request.Grades.Count; i++)
        {
            var grade = request.Grades[i];
            var household = (await work.QueryAsync<HouseholdRow>(Household, new { householdId = grade.HouseholdId, communityId }, ct)).SingleOrDefault();
            if (household is null || household.GridId != request.GridId || !household.IsActive)
            {
                return Refuse("inspection_household_not_in_grid", grade.HouseholdId, household?.Code,
                    household is null ? "no such household" : !household.IsActive ? "the household is deactivated" : $"it is not in grid {request.GridId}");
            }
            if (household.AccountId is not { } accountId)
            {
                return Refuse("inspection_household_no_account", household.Id, household.Code, "the household has no points account");
            }
            // The first uncorrected key of the sequence: an entry there is this month's grading (replay or refuse);
            // none means the household is not yet graded by an inspection this month.
            string? key = null;
            var gradedBefore = false;
            for (var corrected = 0; corrected <= Inspections.MaxCorrections && key is null; corrected++)
            {
                var candidate = Inspections.Key(household.Id, request.Period, request.RuleCode, corrected);
                var existing = (await work.QueryAsync<KeyedRow>(ByKey, new { accountId, communityId, key = candidate }, ct)).SingleOrDefault();
                if (existing is null)
                {
                    key = candidate;
                }
                else if (!existing.Reversed)
                {
                    var was = JsonSerializer.Deserialize<ByRule.StoredFacts>(existing.Facts, RuleJson.Options)?.Facts.Grade;
                    if (was != grade.Grade.Trim())
                    {
                        graded.Add(new GradedBefore(household.Id, household.Code, was, existing.Points, existing.Seq));
                        gradedBefore = true;
                        break;
                    }
                    results[i] = new InspectionPosting(existing.Seq, household.Id, household.Code, accountId, was!, existing.Points,
                        existing.Explanation, Replayed: true);
                    break;
                }
            }
            if (results[i] is not null || gradedBefore)
            {
                continue;
            }
            if (key is null)
            {
                return Refuse("inspection_already_graded", household.Id, household.Code, "corrected too many times this month");
            }
            var entry = await ByRule.EntryAsync(work, ledger, caller, TransactionKind.Award, rule.Value, accountId,
                new RuleFacts(Grade: grade.Grade.Trim()), null, grade.Note, null, date, key, ct);
            if (!entry.Succeeded)
            {
                return Refuse(entry.Failure!.Code == "rule_refused" ? "inspection_household_refused" : entry.Failure.Code,
                    household.Id, household.Code, entry.Failure.Detail);
            }
            entries.Add((i, household, entry.Value!));
        }

        if (graded.Count > 0)
        {
            return AlreadyGraded(request.Period, graded);
        }

        if (entries.Count > 0)
        {
            var batch = await ledger.PostBatchAsync(work, entries.Select(e => e.Entry).ToList(), ct);
            if (!batch.Succeeded)
            {
                var failed = ProblemCatalog.ToFailure(batch.Error!.Value, batch.Detail!);
                return batch.FailedIndex >= 0
                    ? Refuse(failed.Code, entries[batch.FailedIndex].Household.Id, entries[batch.FailedIndex].Household.Code, failed.Detail)
                    : failed;
            }
            for (var k = 0; k < entries.Count; k++)
            {
                var (index, household, entry) = entries[k];
                var tx = batch.Transactions[k];
                var points = tx.Postings.Single(p => p.AccountId == entry.Postings[1].AccountId).Amount;
                results[index] = new InspectionPosting(tx.Seq, household.Id, household.Code, entry.Postings[1].AccountId,
                    request.Grades[index].Grade.Trim(), points, tx.Explanation, Replayed: false);
            }
        }
        return new InspectionsRecorded(request.GridId, request.RuleCode, request.Period, date, results.Select(r => r!).ToList());
    }

    /// <summary>A household of the batch already graded this month with another grade: its grading entry.</summary>
    public sealed record GradedBefore(long HouseholdId, string HouseholdCode, string? Grade, long Points, long Seq);

    // The whole batch is refused, naming every household (id and door-plate code) graded before, with its entry; the
    // problem's `households` lists them for a client (the inspection page names them by code).
    private static Failure AlreadyGraded(string period, IReadOnlyList<GradedBefore> graded) => new("inspection_already_graded",
        $"already graded for {period}, correct {(graded.Count == 1 ? "that entry" : "those entries")} first: " +
        string.Join("; ", graded.Select(g => $"household {g.HouseholdId} ({g.HouseholdCode}) '{g.Grade}' (entry {g.Seq})")),
        new Dictionary<string, object?> { ["households"] = graded });

    // The whole batch is refused: the problem names the household (id and door-plate code) and why.
    private static Failure Refuse(string code, long householdId, string? householdCode, string why) =>
        new(code, $"household {householdId}{(householdCode is null ? "" : $" ({householdCode})")}: {why}");
}
