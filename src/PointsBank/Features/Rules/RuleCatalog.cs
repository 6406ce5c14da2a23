using System.Data.Common;
using System.Globalization;
using Dapper;
using PointsBank.Data;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Rules;

/// <summary>How a catalogue version was adopted: by which meeting (村民代表大会…), on which local date, with an optional note.</summary>
public sealed record RuleAdoption(string Meeting, DateOnly AdoptedOn, string? Note = null);

/// <summary>One version of a rule as the API shows it: the definition, its version and the adoption that brought it in.</summary>
public sealed record RuleView(
    string Code,
    int Version,
    string NameZh,
    string NameEn,
    string Category,
    RuleFormula Formula,
    RuleLimits Limits,
    IReadOnlyList<string> RecordedBy,
    bool NeedsReview,
    bool NeedsEvidence,
    bool Direct,
    bool NeedsSecondApproval,
    int CatalogueVersion,
    RuleAdoption Adoption,
    DateTime CreatedAt,
    string CreatedBy)
{
    public RuleVersion ToRuleVersion() => new(Version, new RuleDefinition(Code, NameZh, NameEn, Category, Formula, Limits, RecordedBy,
        NeedsReview, NeedsEvidence, Direct, NeedsSecondApproval));
}

/// <summary>
/// The community's rule catalogue in the database: the current version of a rule, a given version, every version, and
/// adopting new versions (append-only: <c>rule_catalogue_versions</c> and <c>rule_versions</c> are never updated).
/// Handlers that award by rule read the rule inside their unit of work with <see cref="CurrentAsync"/> and name the
/// version they used on the ledger entry; <see cref="VersionAsync"/> finds it again to explain an old entry.
/// </summary>
public static class RuleCatalog
{
    private const string SelectRules = """
        SELECT r.code AS Code, r.version AS Version, r.definition_json AS DefinitionJson, r.created_at AS CreatedAt,
               r.created_by AS CreatedBy, c.version AS CatalogueVersion, CAST(c.adopted_on AS varchar(10)) AS AdoptedOn,
               c.adopted_by_meeting AS Meeting, c.note AS Note
          FROM rule_versions r
          JOIN rule_catalogue_versions c ON c.community_id = r.community_id AND c.version = r.catalogue_version
        """;

    // Rules in the order they first entered the catalogue (the default catalogue's order, then later additions).
    private const string SelectCurrent = SelectRules + """

         WHERE r.community_id = @communityId
           AND r.version = (SELECT MAX(v.version) FROM rule_versions v WHERE v.community_id = r.community_id AND v.code = r.code)
         ORDER BY (SELECT MIN(f.id) FROM rule_versions f WHERE f.community_id = r.community_id AND f.code = r.code)
        """;

    private const string SelectCurrentOfCode = SelectRules + """

         WHERE r.community_id = @communityId AND r.code = @code
           AND r.version = (SELECT MAX(v.version) FROM rule_versions v WHERE v.community_id = r.community_id AND v.code = r.code)
        """;

    private const string SelectVersionOfCode = SelectRules + """

         WHERE r.community_id = @communityId AND r.code = @code AND r.version = @version
        """;

    private const string SelectVersionsOfCode = SelectRules + """

         WHERE r.community_id = @communityId AND r.code = @code
         ORDER BY r.version DESC
        """;

    private const string NextCatalogueVersion =
        "SELECT COALESCE(MAX(version), 0) + 1 FROM rule_catalogue_versions WHERE community_id = @communityId";

    private const string NextRuleVersion =
        "SELECT COALESCE(MAX(version), 0) + 1 FROM rule_versions WHERE community_id = @communityId AND code = @code";

    private const string InsertCatalogueVersion = """
        INSERT INTO rule_catalogue_versions (community_id, version, adopted_on, adopted_by_meeting, note, recorded_by, recorded_at)
        VALUES (@communityId, @version, @adoptedOn, @meeting, @note, @actor, @now)
        """;

    private const string InsertRuleVersion = """
        INSERT INTO rule_versions (community_id, code, version, catalogue_version, definition_json, created_at, created_by)
        VALUES (@communityId, @code, @version, @catalogueVersion, @json, @now, @actor)
        """;

    /// <summary>The rule's current version in the community, or null when the community has no rule with that code.</summary>
    /// <remarks>
    /// Every award by rule reads it, so the statement is prepared once per pooled connection (<c>UnitOfWork.Prepared</c>,
    /// as the ledger keeps its statements) and a definition's JSON is parsed once per distinct text
    /// (<see cref="Definition"/>); the row itself is read in the unit every time, so a new version counts at once.
    /// </remarks>
    public static async Task<RuleVersion?> CurrentAsync(UnitOfWork work, long communityId, string code, CancellationToken ct)
    {
        await using var reader = await work.Prepared(SelectCurrentOfCode, ("@communityId", communityId), ("@code", code)).ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        // Columns of SelectRules: code, version, definition_json, …
        var current = new RuleVersion(Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), Definition(reader.GetString(0), reader.GetString(2)));
        return await reader.ReadAsync(ct)
            ? throw new InvalidOperationException($"community {communityId} has more than one current version of rule '{code}'")
            : current;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Code, string Json), RuleDefinition> Parsed = new();

    /// <summary>
    /// A stored definition as <see cref="RuleView.ToRuleVersion"/> gives it (the row's code, the effective limits, no
    /// null recorders), parsed once per distinct code and JSON text: versions are append-only and the definition is a
    /// pure function of the two, so the cache can never answer for another database or an older version. Bounded: it
    /// is emptied when it holds 1,024 texts.
    /// </summary>
    private static RuleDefinition Definition(string code, string json)
    {
        if (Parsed.TryGetValue((code, json), out var rule))
        {
            return rule;
        }
        var stored = RuleJson.Deserialize(json);
        rule = new RuleDefinition(code, stored.NameZh, stored.NameEn, stored.Category, stored.Formula, stored.EffectiveLimits,
            stored.RecordedBy ?? [], stored.NeedsReview, stored.NeedsEvidence, stored.Direct, stored.NeedsSecondApproval);
        if (Parsed.Count >= 1024)
        {
            Parsed.Clear();
        }
        Parsed.TryAdd((code, json), rule);
        return rule;
    }

    /// <summary>One version of a rule (the one an old entry names), or null.</summary>
    public static async Task<RuleVersion?> VersionAsync(UnitOfWork work, long communityId, string code, int version, CancellationToken ct) =>
        (await work.QueryAsync<RuleRow>(SelectVersionOfCode, new { communityId, code, version }, ct)).SingleOrDefault()?.ToView().ToRuleVersion();

    /// <summary>The current catalogue: the newest version of every rule.</summary>
    public static async Task<IReadOnlyList<RuleView>> ListCurrentAsync(DbConnection connection, long communityId, CancellationToken ct) =>
        (await connection.QueryAsync<RuleRow>(new CommandDefinition(SelectCurrent, new { communityId }, cancellationToken: ct)))
        .Select(r => r.ToView()).ToList();

    /// <summary>The current version of one rule, or null.</summary>
    public static async Task<RuleView?> FindCurrentAsync(DbConnection connection, long communityId, string code, CancellationToken ct) =>
        (await connection.QueryAsync<RuleRow>(new CommandDefinition(SelectCurrentOfCode, new { communityId, code }, cancellationToken: ct)))
        .SingleOrDefault()?.ToView();

    /// <summary>Every version of one rule, newest first (empty when there is no such rule).</summary>
    public static async Task<IReadOnlyList<RuleView>> ListVersionsAsync(DbConnection connection, long communityId, string code, CancellationToken ct) =>
        (await connection.QueryAsync<RuleRow>(new CommandDefinition(SelectVersionsOfCode, new { communityId, code }, cancellationToken: ct)))
        .Select(r => r.ToView()).ToList();

    /// <summary>The current version of one rule inside the unit (for a handler that just wrote it), or null.</summary>
    internal static async Task<RuleView?> FindCurrentAsync(UnitOfWork work, long communityId, string code, CancellationToken ct) =>
        (await work.QueryAsync<RuleRow>(SelectCurrentOfCode, new { communityId, code }, ct)).SingleOrDefault()?.ToView();

    /// <summary>
    /// Records an adoption as the next catalogue version and each rule as the next version of its code, in the unit.
    /// The rules must be valid (<see cref="RuleValidation"/>). Returns the catalogue version.
    /// </summary>
    public static async Task<int> AdoptAsync(UnitOfWork work, long communityId, RuleAdoption adoption, IReadOnlyList<RuleDefinition> rules,
        string actor, CancellationToken ct)
    {
        var catalogueVersion = (int)await work.ScalarAsync<long>(NextCatalogueVersion, new { communityId }, ct);
        await work.ExecuteAsync(InsertCatalogueVersion, new
        {
            communityId,
            version = catalogueVersion,
            adoptedOn = adoption.AdoptedOn.ToString(Projections.DateFormat, CultureInfo.InvariantCulture),
            meeting = adoption.Meeting.Trim(),
            note = string.IsNullOrWhiteSpace(adoption.Note) ? null : adoption.Note.Trim(),
            actor,
            now = work.Now,
        }, ct);
        foreach (var rule in rules)
        {
            var version = (int)await work.ScalarAsync<long>(NextRuleVersion, new { communityId, code = rule.Code }, ct);
            await work.ExecuteAsync(InsertRuleVersion, new
            {
                communityId,
                code = rule.Code,
                version,
                catalogueVersion,
                json = RuleJson.Serialize(Trimmed(rule)),
                now = work.Now,
                actor,
            }, ct);
        }
        return catalogueVersion;
    }

    /// <summary>Loads the default catalogue (<see cref="DefaultRules"/>) as catalogue version 1 of a new community.</summary>
    public static Task<int> AdoptDefaultsAsync(UnitOfWork work, long communityId, DateOnly adoptedOn, string actor, CancellationToken ct) =>
        AdoptAsync(work, communityId, new RuleAdoption(DefaultRules.AdoptedBy, adoptedOn, DefaultRules.Note), DefaultRules.All, actor, ct);

    private static RuleDefinition Trimmed(RuleDefinition rule) => rule with
    {
        NameZh = rule.NameZh.Trim(),
        NameEn = rule.NameEn.Trim(),
        Limits = rule.EffectiveLimits,
        Formula = rule.Formula.Grades is { } grades
            ? rule.Formula with { Grades = grades.Select(g => g with { Grade = g.Grade.Trim(), GradeEn = g.GradeEn.Trim() }).ToList() }
            : rule.Formula,
    };

    private sealed record RuleRow
    {
        public string Code { get; init; } = "";
        public long Version { get; init; }
        public string DefinitionJson { get; init; } = "";
        public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
        public string CreatedBy { get; init; } = "";
        public long CatalogueVersion { get; init; }
        public string AdoptedOn { get; init; } = "";
        public string Meeting { get; init; } = "";
        public string? Note { get; init; }

        public RuleView ToView()
        {
            var rule = RuleJson.Deserialize(DefinitionJson);
            return new RuleView(Code, (int)Version, rule.NameZh, rule.NameEn, rule.Category, rule.Formula, rule.EffectiveLimits,
                rule.RecordedBy ?? [], rule.NeedsReview, rule.NeedsEvidence, rule.Direct, rule.NeedsSecondApproval, (int)CatalogueVersion,
                new RuleAdoption(Meeting, DateOnly.ParseExact(AdoptedOn, Projections.DateFormat, CultureInfo.InvariantCulture), Note),
                CreatedAt, CreatedBy);
        }
    }
}
