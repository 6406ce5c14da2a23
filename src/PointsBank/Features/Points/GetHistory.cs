using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

// Settable properties rather than a positional record: Dapper converts SQLite's text timestamps only when it
// sets properties, not when it matches constructor arguments.
public sealed record HistoryItem
{
    public long Seq { get; init; }
    public string Kind { get; init; } = "";
    public string Category { get; init; } = "";
    public long Amount { get; init; }
    public string Explanation { get; init; } = "";
    public string Actor { get; init; } = "";
    public long? MemberId { get; init; }
    public DateTime OccurredAt { get; init; }

    /// <summary>The day the entry belongs to (its month is the one it counts in); null on entries older than effective dates.</summary>
    public DateOnly? EffectiveDate { get; init; }

    public long? ReversesSeq { get; init; }
    public long? ReversedBySeq { get; init; }

    /// <summary>On a correction: the explanation of the entry it undid, so a resident reads what was taken back.</summary>
    public string? ReversesExplanation { get; init; }

    /// <summary>On a correction: its reason as the ledger stored it (the correction's facts), not parsed out of its wording.</summary>
    public string? ReversalReason { get; init; }
}

public sealed record HistoryPage(long AccountId, int Page, int PageSize, long Total, IReadOnlyList<HistoryItem> Items) : ICsvReport
{
    /// <summary>The page as a table for Excel (<c>?format=csv</c> or <c>xlsx</c>): what the history page shows.</summary>
    public CsvTable ToCsv() => new($"积分明细-{AccountId}-{Page}.csv", ["序号", "日期", "时间（UTC）", "类型", "积分", "说明", "经办"],
    [
        .. Items.Select(i => (IReadOnlyList<string>)[CsvFiles.Number(i.Seq), i.EffectiveDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "",
            i.OccurredAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), i.Kind, CsvFiles.Number(i.Amount), i.Explanation, i.Actor]),
    ]);

    public bool HasMore => (long)Page * PageSize < Total;
}

/// <summary>An account's entries, newest first, each with the amount on this account and why it happened.</summary>
[Allow(Role.Committee, Role.Admin, Role.Reviewer, Role.Inspector)]
[CardHolder]
public sealed record GetHistory(long CommunityId, long AccountId, int Page = 1, int PageSize = GetHistory.DefaultPageSize)
    : IRequest<Outcome<HistoryPage>>, IValidated, IQuery, IAccountScoped
{
    public const int DefaultPageSize = 20;

    public IEnumerable<FieldError> Validate() =>
        Paging.Validate(Page, PageSize);
}

sealed class GetHistoryHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<GetHistory, Outcome<HistoryPage>>
{
    private const string AccountInCommunity = "SELECT COUNT(*) FROM accounts WHERE id = @accountId AND community_id = @communityId";

    private const string Count = "SELECT COUNT(*) FROM ledger_postings WHERE account_id = @accountId";

    private static readonly DialectSql Page = new(
        Sqlite: """
            SELECT t.seq AS Seq, t.kind AS Kind, t.category AS Category, p.amount AS Amount, t.explanation AS Explanation,
                   t.actor AS Actor, t.member_id AS MemberId, t.occurred_at AS OccurredAt, t.effective_date AS EffectiveDate, t.reverses_seq AS ReversesSeq,
                   (SELECT r.seq FROM ledger_transactions r WHERE r.community_id = t.community_id AND r.reverses_seq = t.seq) AS ReversedBySeq,
                   (SELECT o.explanation FROM ledger_transactions o WHERE o.community_id = t.community_id AND o.seq = t.reverses_seq) AS ReversesExplanation,
                   CASE WHEN t.reverses_seq IS NULL THEN NULL ELSE json_extract(t.facts, '$.reason') END AS ReversalReason
              FROM ledger_postings p
              JOIN ledger_transactions t ON t.id = p.transaction_id
             WHERE p.account_id = @accountId
             ORDER BY p.transaction_id DESC
             LIMIT @take OFFSET @skip
            """,
        SqlServer: """
            SELECT t.seq AS Seq, t.kind AS Kind, t.category AS Category, p.amount AS Amount, t.explanation AS Explanation,
                   t.actor AS Actor, t.member_id AS MemberId, t.occurred_at AS OccurredAt, t.effective_date AS EffectiveDate, t.reverses_seq AS ReversesSeq,
                   (SELECT r.seq FROM ledger_transactions r WHERE r.community_id = t.community_id AND r.reverses_seq = t.seq) AS ReversedBySeq,
                   (SELECT o.explanation FROM ledger_transactions o WHERE o.community_id = t.community_id AND o.seq = t.reverses_seq) AS ReversesExplanation,
                   CASE WHEN t.reverses_seq IS NULL THEN NULL ELSE JSON_VALUE(t.facts, '$.reason') END AS ReversalReason
              FROM ledger_postings p
              JOIN ledger_transactions t ON t.id = p.transaction_id
             WHERE p.account_id = @accountId
             ORDER BY p.transaction_id DESC
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<HistoryPage>> Handle(GetHistory request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { accountId = request.AccountId, communityId = request.CommunityId };
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(AccountInCommunity, args, cancellationToken: ct)) == 0)
        {
            return new Failure("account_not_found", $"account {request.AccountId} does not exist in community {request.CommunityId}");
        }
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, args, cancellationToken: ct));
        var items = await connection.QueryAsync<HistoryItem>(new CommandDefinition(dialect.Pick(Page), new
        {
            accountId = request.AccountId,
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        }, cancellationToken: ct));
        return new HistoryPage(request.AccountId, request.Page, request.PageSize, total,
            items.Select(i => i with { OccurredAt = Clock.AsUtc(i.OccurredAt) }).ToList());
    }
}
