using System.Data.Common;
using System.Globalization;
using Dapper;
using MediatR;
using PointsBank.Features.Reports;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Township;

/// <summary>
/// One community in the township summary: totals only, never a person. Participation is the share of its active
/// households that earned points in the month (a household account, or a person account of a member of the household);
/// the points are the funding report's (monthly aggregates by effective month), the donated goods their estimated value.
/// </summary>
public sealed record TownshipCommunity(int Rank, long CommunityId, string CommunityName, long Households, long HouseholdsEarning,
    decimal ParticipationPercent, long PointsIssued, long PointsRedeemed, long PointsDeducted, decimal DonatedYuan);

/// <summary>镇/街道概况: every community the caller oversees, side by side, ranked.</summary>
public sealed record TownshipSummary(string Month, IReadOnlyList<TownshipCommunity> Communities) : ICsvReport
{
    public CsvTable ToCsv() => new($"township-{Month}.csv",
        ["排名", "社区/村", "户数", "本月得分户数", "参与率（%）", "发放积分", "兑换积分", "扣减积分", "捐赠物资折合（元）"],
        [.. Communities.Select(c => (IReadOnlyList<string>)
        [
            CsvFiles.Number(c.Rank), c.CommunityName, CsvFiles.Number(c.Households), CsvFiles.Number(c.HouseholdsEarning),
            c.ParticipationPercent.ToString("0.0", CultureInfo.InvariantCulture), CsvFiles.Number(c.PointsIssued), CsvFiles.Number(c.PointsRedeemed),
            CsvFiles.Number(c.PointsDeducted), CsvFiles.Yuan(c.DonatedYuan),
        ])]);
}

/// <summary>
/// 镇/街道概况 for a month (<c>yyyy-MM</c>): each community where the caller holds the township role — its participation,
/// points issued, redeemed and deducted, goods donated — and a ranking of the villages by participation (then points
/// issued per household). No names, phones or households of anyone: only counts and sums.
/// </summary>
[Allow(Role.Township)]
public sealed record GetTownshipSummary(string? Month) : IRequest<Outcome<TownshipSummary>>, IValidated, IQuery, IAcrossCommunities
{
    public IEnumerable<FieldError> Validate() => ReportData.CheckMonth(Month);
}

sealed class GetTownshipSummaryHandler(DbDataSource db, CallerContext callers) : IRequestHandler<GetTownshipSummary, Outcome<TownshipSummary>>
{
    private const string AllCommunities = "SELECT id FROM communities WHERE is_active = 1 ORDER BY id";

    private const string Households = "SELECT COUNT(*) FROM households WHERE community_id = @communityId AND is_active = 1";

    // Households with points earned in the month, from the monthly aggregates: a household's own account, or the
    // person account of one of its members.
    private const string HouseholdsEarning = """
        SELECT COUNT(DISTINCT COALESCE(a.household_id, r.household_id))
          FROM monthly_aggregates m
          JOIN accounts a ON a.id = m.account_id
          LEFT JOIN residents r ON r.id = a.resident_id
         WHERE m.community_id = @communityId AND m.month = @month AND m.earned > 0 AND a.kind IN ('household', 'person')
        """;

    public async Task<Outcome<TownshipSummary>> Handle(GetTownshipSummary request, CancellationToken ct)
    {
        var caller = callers.Current;
        await using var connection = await db.OpenConnectionAsync(ct);
        // The communities the caller oversees; at the command line (the operator), all of them.
        IReadOnlyList<long> ids = caller.Kind == CallerKind.System
            ? (await connection.QueryAsync<long>(new CommandDefinition(AllCommunities, cancellationToken: ct))).AsList()
            : [.. caller.Grants.Where(g => g is { Role: Role.Township, CommunityId: not null }).Select(g => g.CommunityId!.Value).Distinct().Order()];
        var rows = new List<TownshipCommunity>();
        foreach (var id in ids)
        {
            if (await ReportData.CommunityAsync(connection, id, ct) is not { } community)
            {
                continue;
            }
            var funding = await FundingReportHandler.ReadAsync(connection, community, request.Month!, ct);
            var args = new { communityId = id, month = request.Month };
            var households = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Households, args, cancellationToken: ct));
            var earning = await connection.ExecuteScalarAsync<long>(new CommandDefinition(HouseholdsEarning, args, cancellationToken: ct));
            var share = households == 0 ? 0m : Math.Round(100m * earning / households, 1, MidpointRounding.AwayFromZero);
            rows.Add(new TownshipCommunity(0, id, community.Name, households, earning, share,
                funding.PointsIssued, funding.PointsRedeemed, funding.PointsDeducted, funding.DonatedYuan));
        }
        return new TownshipSummary(request.Month!, Rank(rows));
    }

    /// <summary>
    /// Villages ranked by participation, then by points issued per household, then by id (so the order never depends on
    /// the database); a village's rank is 1 + the number of villages strictly ahead of it, so equal villages share a rank.
    /// </summary>
    internal static IReadOnlyList<TownshipCommunity> Rank(IReadOnlyList<TownshipCommunity> rows)
    {
        static (decimal, decimal) Score(TownshipCommunity c) =>
            (c.ParticipationPercent, c.Households == 0 ? 0m : (decimal)c.PointsIssued / c.Households);
        return [.. rows
            .Select(c => c with { Rank = 1 + rows.Count(o => Score(o).CompareTo(Score(c)) > 0) })
            .OrderBy(c => c.Rank).ThenBy(c => c.CommunityId)];
    }
}
