using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record CommunityCreated(long CommunityId);

/// <summary>
/// Creates a community with its chain head and system accounts, and records its creation, in one database
/// transaction. System administrators only (the request names no community yet, so no community role can apply).
/// </summary>
[Allow(Role.Admin)]
public sealed record CreateCommunity(
    string Code,
    string Name,
    string TimeZone = "Asia/Shanghai",
    string AccountMode = "household",
    string PenaltyPolicy = "cap",
    int BackdateDays = CreateCommunity.DefaultBackdateDays) : IRequest<Outcome<CommunityCreated>>, IValidated
{
    /// <summary>How far back an effective date may lie by default (DESIGN §3): two months of paperwork.</summary>
    public const int DefaultBackdateDays = 60;

    public IEnumerable<FieldError> Validate() =>
        Check.Code("code", Code, 64).Concat(ValidateSettings(Name, TimeZone, AccountMode, PenaltyPolicy))
            .Concat(Check.Range("backdateDays", BackdateDays, 0, 366));

    /// <summary>The settings a community is created with and an admin may later change.</summary>
    internal static IEnumerable<FieldError> ValidateSettings(string name, string timeZone, string accountMode, string penaltyPolicy)
    {
        foreach (var e in Check.Text("name", name, 200)) yield return e;
        if (accountMode is not ("household" or "person"))
        {
            yield return new FieldError("accountMode", "须为 household（以户为单位）或 person（以人为单位）", "must be 'household' or 'person'");
        }
        if (penaltyPolicy is not ("cap" or "allow_negative"))
        {
            yield return new FieldError("penaltyPolicy", "须为 cap 或 allow_negative", "must be 'cap' or 'allow_negative'");
        }
        if (string.IsNullOrWhiteSpace(timeZone) || timeZone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            yield return new FieldError("timeZone", "未知的时区", "is not a known time zone");
        }
    }
}

sealed class CreateCommunityHandler(UnitOfWork work, PointsBank.Ledger.PointsLedger ledger, CallerContext callers)
    : IRequestHandler<CreateCommunity, Outcome<CommunityCreated>>
{
    private const string SelectCreated = """
        SELECT id AS Id, code AS Code, name AS Name, time_zone AS TimeZone, account_mode AS AccountMode,
               penalty_policy AS PenaltyPolicy, is_active AS IsActive, created_at AS CreatedAt
          FROM communities WHERE id = @id
        """;

    private const string SelectByCode = "SELECT COUNT(*) FROM communities WHERE code = @code";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO communities (code, name, time_zone, account_mode, penalty_policy, backdate_days, is_active, created_at)
            VALUES (@code, @name, @timeZone, @accountMode, @penaltyPolicy, @backdateDays, 1, @now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO communities (code, name, time_zone, account_mode, penalty_policy, backdate_days, is_active, created_at)
            VALUES (@code, @name, @timeZone, @accountMode, @penaltyPolicy, @backdateDays, 1, @now);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<CommunityCreated>> Handle(CreateCommunity request, CancellationToken ct)
    {
        var (connection, tx, now, dialect) = (work.Connection, work.Transaction, work.Now, work.Dialect);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(SelectByCode, new { code = request.Code }, tx, cancellationToken: ct)) > 0)
        {
            return new Failure("community_exists", $"a community with code '{request.Code}' exists");
        }
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Pick(Insert), new
        {
            code = request.Code,
            name = request.Name.Trim(),
            timeZone = request.TimeZone,
            accountMode = request.AccountMode,
            penaltyPolicy = request.PenaltyPolicy,
            backdateDays = request.BackdateDays,
            now,
        }, tx, cancellationToken: ct));
        await ledger.InitializeCommunityAsync(work, id, ct);
        // Every community starts with the default catalogue (catalogue version 1), adopted on its first local day.
        var today = PointsBank.Ledger.Projections.LocalDate(now, TimeZoneInfo.FindSystemTimeZoneById(request.TimeZone));
        await PointsBank.Features.Rules.RuleCatalog.AdoptDefaultsAsync(work, id, today, callers.Current.Actor, ct);
        var created = await connection.QuerySingleAsync<CommunityView>(new CommandDefinition(SelectCreated, new { id }, tx, cancellationToken: ct));
        await ChangeLog.RecordAsync(connection, tx, id, RosterEntity.Community, id, RosterChange.Create, callers.Current.Actor, now, null, created, ct);
        return new CommunityCreated(id);
    }
}
