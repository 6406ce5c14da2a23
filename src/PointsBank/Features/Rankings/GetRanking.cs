using System.Data.Common;
using System.Globalization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Rankings;

/// <summary>
/// The live ranking of a month: what the board would show if it were published now; with the 红黑榜 turned on by the
/// community's policy, also the month's <see cref="Deductions"/> (null when it is off).
/// </summary>
public sealed record RankingView(long CommunityId, string CommunityName, string Month, string By, long? GridId, string? Category,
    IReadOnlyList<RankingRow> Rows, IReadOnlyList<DeductionRow>? Deductions = null) : ICsvReport
{
    public CsvTable ToCsv() => new($"ranking-{Month}-{By}.csv",
        ["名次", "门牌号", "姓名", "网格", "获得积分", "扣减积分", "本月积分", "志愿服务（分钟）"],
        [.. Rows.Select(r => (IReadOnlyList<string>)[CsvFiles.Number(r.Rank), r.HouseholdCode, r.MaskedName, r.GridId?.ToString(CultureInfo.InvariantCulture) ?? "",
            CsvFiles.Number(r.Earned), CsvFiles.Number(r.Deducted), CsvFiles.Number(r.Points), CsvFiles.Number(r.VolunteerMinutes)])]);
}

/// <summary>
/// 积分排行榜 (live): the month's points earned per household or resident (<paramref name="By"/>, default the
/// community's account mode), optionally within one grid and one category, from the monthly aggregates (keyed on the
/// effective month in the community's time zone) — never a scan of the journal. Names masked; any staff of the community.
/// </summary>
[AnyStaff]
public sealed record GetRanking(long CommunityId, string Month, string? By = null, long? GridId = null, string? Category = null)
    : IRequest<Outcome<RankingView>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate()
    {
        foreach (var e in RankingData.CheckMonth(Month)) yield return e;
        if (By is not null && !RankedBy.IsKnown(By))
        {
            yield return new FieldError("by", "须为 household 或 person", "must be 'household' or 'person'");
        }
        if (Category is not null && !Categories.OfRules.Contains(Category) && Category is not (Categories.Deduction or Categories.Correction))
        {
            yield return new FieldError("category", "不是已知的积分类别", "is not a known points category");
        }
    }
}

sealed class GetRankingHandler(DbDataSource db) : IRequestHandler<GetRanking, Outcome<RankingView>>
{
    public async Task<Outcome<RankingView>> Handle(GetRanking request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await RankingData.CommunityAsync(connection, null, request.CommunityId, ct) is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var by = request.By ?? community.AccountMode;
        var aggregates = await RankingData.AggregatesAsync(connection, null, community.Id, request.Month, request.Category, ct);
        var rows = await RankingData.RankAsync(connection, null, community.Id, aggregates, by, request.GridId, ct);
        // The deductions list counts every category: from these rows when they do, else read again over all of them.
        var deductions = !community.RedBlackBoard ? null
            : request.Category is null ? Ranking.Deductions(rows)
            : await RankingData.DeductionsAsync(connection, null, community, request.Month, by, request.GridId, ct);
        return new RankingView(community.Id, community.Name, request.Month, by, request.GridId, request.Category, rows, deductions);
    }
}
