using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

public sealed record CommunityCreated(long CommunityId);

/// <summary>Creates a community with its chain head and system accounts, in one database transaction. System administrators only.</summary>
[Allow(Role.Admin)]
public sealed record CreateCommunity(
    string Code,
    string Name,
    string TimeZone = "Asia/Shanghai",
    string AccountMode = "household",
    string PenaltyPolicy = "cap") : IRequest<Outcome<CommunityCreated>>, IValidated
{
    public IEnumerable<FieldError> Validate()
    {
        foreach (var e in Check.Code(nameof(Code), Code, 64)) yield return e;
        foreach (var e in Check.Text(nameof(Name), Name, 200)) yield return e;
        if (AccountMode is not ("household" or "person"))
        {
            yield return new FieldError(nameof(AccountMode), "须为 household（以户为单位）或 person（以人为单位）", "must be 'household' or 'person'");
        }
        if (PenaltyPolicy is not ("cap" or "allow_negative"))
        {
            yield return new FieldError(nameof(PenaltyPolicy), "须为 cap 或 allow_negative", "must be 'cap' or 'allow_negative'");
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            yield return new FieldError(nameof(TimeZone), "未知的时区", "is not a known time zone");
        }
    }
}

sealed class CreateCommunityHandler(DbDataSource db, SqlDialect dialect, PointsBank.Ledger.Ledger ledger, TimeProvider clock)
    : IRequestHandler<CreateCommunity, Outcome<CommunityCreated>>
{
    private const string SelectByCode = "SELECT COUNT(*) FROM communities WHERE code = @code";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO communities (code, name, time_zone, account_mode, penalty_policy, is_active, created_at)
            VALUES (@code, @name, @timeZone, @accountMode, @penaltyPolicy, 1, @now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO communities (code, name, time_zone, account_mode, penalty_policy, is_active, created_at)
            VALUES (@code, @name, @timeZone, @accountMode, @penaltyPolicy, 1, @now);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public async Task<Outcome<CommunityCreated>> Handle(CreateCommunity request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await dialect.BeginWriteAsync(connection, ct);
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
            now = Clock.Now(clock),
        }, tx, cancellationToken: ct));
        await ledger.InitializeCommunityAsync(connection, tx, id, ct);
        await tx.CommitAsync(ct);
        return new CommunityCreated(id);
    }
}
