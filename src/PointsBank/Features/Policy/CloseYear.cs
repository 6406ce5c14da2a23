using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Ledger;

namespace PointsBank.Features.Policy;

/// <summary>What closing a year did: the policy in force, and (for <c>zero</c>) the expire transactions it posted now.</summary>
public sealed record YearClosed(long CommunityId, int Year, string Policy, int Accounts, long Points);

/// <summary>
/// 年终: applies the community's year-end policy to <paramref name="Year"/>, which must be over in the community's time
/// zone. <c>carry_forward</c> and <c>non_redeemable_base</c> post nothing (the base is enforced at every redemption,
/// all year). <c>zero</c> posts one <c>expire</c> transaction per member account whose balance at the end of 31
/// December was positive: from the account to the community's 积分过期 account, effective 31 December of the year, with
/// the ledger key <c>year-end-YEAR-ACCOUNT</c>, so a second run, or two runners at once, post each account's expiry once.
/// The amount is that 31 December balance, but never more than the account has available now: points reserved by a
/// voucher still open at the year boundary stay with the voucher (redeemed, they are spent; cancelled or expired,
/// they return to the resident and carry forward), and points spent in January before the step ran were last year's.
/// A posting effective on 1 January or later is next year's and is never expired. Sent by the year-end job in January
/// and by the <c>year-end</c> verb. The first close of a year is recorded in <c>year_ends</c>.
/// </summary>
[Allow(Role.Admin)]
public sealed record CloseYear(long CommunityId, int Year) : IRequest<Outcome<YearClosed>>, ICommunityScoped, IValidated, IBulkWrite
{
    public IEnumerable<FieldError> Validate()
    {
        if (Year is < 2000 or > 9999)
        {
            yield return new FieldError("year", "须为 2000–9999 的年份", "must be a year from 2000 to 9999");
        }
    }
}

sealed class CloseYearHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers) : IRequestHandler<CloseYear, Outcome<YearClosed>>
{
    // Member accounts with a positive balance at the end of the year and no year-end expiry for it yet. Rows from before
    // effective dates were stored (schema 0003) count by the instant they were posted.
    private const string SelectToExpire = """
        SELECT a.id AS AccountId, SUM(p.amount) AS YearBalance, MAX(b.balance - b.held) AS Available
          FROM accounts a
          JOIN ledger_postings p ON p.account_id = a.id
          JOIN ledger_transactions t ON t.id = p.transaction_id
          JOIN balances b ON b.account_id = a.id
         WHERE a.community_id = @communityId AND a.kind IN ('household', 'person')
           AND (t.effective_date <= @lastDay OR (t.effective_date IS NULL AND t.occurred_at < @yearEndUtc))
           AND NOT EXISTS (SELECT 1 FROM ledger_transactions x JOIN ledger_postings xp ON xp.transaction_id = x.id
                            WHERE x.community_id = @communityId AND x.kind = 'expire' AND x.category = 'year_end'
                              AND x.effective_date = @lastDay AND xp.account_id = a.id)
         GROUP BY a.id
        HAVING SUM(p.amount) > 0
         ORDER BY a.id
        """;

    private const string InsertYearEnd = """
        INSERT INTO year_ends (community_id, year, policy, accounts, points, closed_at, closed_by)
        SELECT @communityId, @year, @policy, @accounts, @points, @now, @actor
         WHERE NOT EXISTS (SELECT 1 FROM year_ends WHERE community_id = @communityId AND year = @year)
        """;

    private const string AddToYearEnd = """
        UPDATE year_ends SET accounts = accounts + @accounts, points = points + @points WHERE community_id = @communityId AND year = @year
        """;

    private sealed class Row
    {
        public long AccountId { get; init; }
        public long YearBalance { get; init; }
        public long Available { get; init; }
    }

    public async Task<Outcome<YearClosed>> Handle(CloseYear request, CancellationToken ct)
    {
        if (work.Community is not { } community || await CommunityPolicy.ReadAsync(work, request.CommunityId, ct) is not { } policy)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var zone = Projections.Zone(community.TimeZone);
        var today = Projections.LocalDate(work.Now, zone);
        if (request.Year >= today.Year)
        {
            return new Failure("year_not_over",
                $"{request.Year} 年还没有结束（社区时区今天是 {today:yyyy-MM-dd}） / year {request.Year} is not over in the community's time zone (today is {today:yyyy-MM-dd})");
        }
        var lastDay = new DateOnly(request.Year, 12, 31);
        var actor = callers.Current.Actor;
        var accounts = 0;
        var points = 0L;
        if (policy.YearEnd == CommunityPolicy.ZeroAtYearEnd)
        {
            var yearEndUtc = TimeZoneInfo.ConvertTimeToUtc(new DateTime(request.Year + 1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), zone);
            var rows = await work.QueryAsync<Row>(SelectToExpire,
                new { communityId = request.CommunityId, lastDay, yearEndUtc }, ct);
            var expired = (await ledger.SystemAccountIdAsync(request.CommunityId, SystemAccount.Expired, ct))!.Value;
            foreach (var row in rows)
            {
                var amount = Math.Min(row.YearBalance, row.Available);
                if (amount <= 0)
                {
                    continue;
                }
                var facts = JsonSerializer.Serialize(new { year = request.Year, yearEndBalance = row.YearBalance, expired = amount });
                var result = await ledger.PostAsync(work, new LedgerEntry(request.CommunityId, TransactionKind.Expire, Categories.YearEnd,
                    LedgerKeys.Derived("year-end", request.Year.ToString(CultureInfo.InvariantCulture), row.AccountId.ToString(CultureInfo.InvariantCulture)),
                    $"{request.Year} 年底积分清零（社区积分政策：年底清零）", actor,
                    [new PostingLine(row.AccountId, -amount), new PostingLine(expired, amount)], Facts: facts, EffectiveDate: lastDay), ct);
                if (!result.Succeeded)
                {
                    return ProblemCatalog.ToFailure(result.Error!.Value, result.Detail!);
                }
                if (!result.Replayed)
                {
                    accounts++;
                    points += amount;
                }
            }
        }
        var args = new { communityId = request.CommunityId, year = request.Year, policy = policy.YearEnd, accounts, points, now = work.Now, actor };
        if (await work.ExecuteAsync(InsertYearEnd, args, ct) == 0 && accounts > 0)
        {
            await work.ExecuteAsync(AddToYearEnd, args, ct);
        }
        return new YearClosed(request.CommunityId, request.Year, policy.YearEnd, accounts, points);
    }
}

/// <summary>
/// 年终 at the year boundary: in January (in each community's time zone), every community whose policy is <c>zero</c>
/// and whose last year is not yet in <c>year_ends</c> gets one <see cref="CloseYear"/>. Outside January nothing is due:
/// a year the job missed (a PC off for the whole of January) is closed with the <c>year-end</c> verb, and a community
/// that switches to <c>zero</c> in February does not lose last year's points.
/// </summary>
public sealed class YearEndJob : IJob
{
    private const string Candidates = """
        SELECT c.id AS Id, c.time_zone AS TimeZone, (SELECT MAX(y.year) FROM year_ends y WHERE y.community_id = c.id) AS Closed
          FROM communities c WHERE c.year_end = 'zero'
        """;

    // Init properties, not a positional record: SQLite reports a NULL MAX() as a blob column to Dapper's constructor matching.
    private sealed class Candidate
    {
        public long Id { get; init; }
        public string TimeZone { get; init; } = "";
        public long? Closed { get; init; }
    }

    public string Name => "year-end";

    public async Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<DbDataSource>();
        var now = Clock.Now(services.GetRequiredService<TimeProvider>());
        List<Candidate> candidates;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            candidates = (await connection.QueryAsync<Candidate>(new CommandDefinition(Candidates, cancellationToken: ct))).AsList();
        }
        var mediator = services.GetRequiredService<IMediator>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<YearEndJob>();
        var done = 0;
        foreach (var candidate in candidates)
        {
            var today = Projections.LocalDate(now, Projections.Zone(candidate.TimeZone));
            var year = today.Year - 1;
            if (today.Month != 1 || candidate.Closed >= year)
            {
                continue;
            }
            try
            {
                var outcome = await mediator.Send(new CloseYear(candidate.Id, year), ct);
                done += outcome.Value?.Accounts ?? 0;
                if (outcome.Failure is { } failure)
                {
                    logger.LogError("job year-end refused in community {Community}: {Code} {Detail}", candidate.Id, failure.Code, failure.Detail);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "job year-end failed in community {Community}; the next tick tries again", candidate.Id);
            }
        }
        return done;
    }
}
