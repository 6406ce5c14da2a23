using System.Data.Common;
using System.Globalization;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Rankings;

/// <summary>
/// How many claims of a month (by the day the deed happened) are still waiting to be posted: in 公示 (with or without
/// an objection to decide) or not yet reviewed. The ranking counts them only once they are posted, so the committee's
/// rankings page says so before it publishes. A page-only query, no route of its own; any staff of the community.
/// </summary>
[AnyStaff]
public sealed record CountClaimsInNotice(long CommunityId, string Month) : IRequest<Outcome<ClaimsInNotice>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => RankingData.CheckMonth(Month);
}

/// <summary>The month's claims not yet posted: <see cref="InNotice"/> in 公示 (objected ones too), <see cref="Submitted"/> awaiting review.</summary>
public sealed record ClaimsInNotice(long InNotice, long Submitted);

sealed class CountClaimsInNoticeHandler(DbDataSource db) : IRequestHandler<CountClaimsInNotice, Outcome<ClaimsInNotice>>
{
    private const string Count = """
        SELECT COALESCE(SUM(CASE WHEN status IN ('noticed', 'objected') THEN 1 ELSE 0 END), 0) AS InNotice,
               COALESCE(SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END), 0) AS Submitted
        FROM claims
        WHERE community_id = @communityId AND status IN ('submitted', 'noticed', 'objected') AND occurred_on >= @first AND occurred_on < @next
        """;

    private sealed record Row
    {
        public long InNotice { get; init; }
        public long Submitted { get; init; }
    }

    public async Task<Outcome<ClaimsInNotice>> Handle(CountClaimsInNotice request, CancellationToken ct)
    {
        var first = DateOnly.ParseExact(request.Month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(Count,
            new { communityId = request.CommunityId, first, next = first.AddMonths(1) }, cancellationToken: ct));
        return new ClaimsInNotice(row.InNotice, row.Submitted);
    }
}
