using System.Data.Common;
using System.Globalization;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Reports;

/// <summary>One donor's gifts of goods in the month.</summary>
public sealed record DonorLine(string Donor, int Donations, long Quantity, decimal ValueYuan, IReadOnlyList<string> Goods);

/// <summary>Goods that came in or went out of one shop in the month, per product.</summary>
public sealed record GoodsLine(long ShopId, string ShopName, long ProductId, string Product, string Unit, long Quantity, long Points);

/// <summary>
/// 积分资金报告: what a township or a sponsor asks of the committee for a month — the points the community issued and
/// deducted (by effective month, from the monthly aggregates), the points residents spent at the shops and their
/// value in yuan at the community's rate, the goods donated (by donor, with their estimated value), the goods bought
/// in (restocks) and the goods redeemed, and the points still unspent today.
/// </summary>
public sealed record FundingReportView(string Month, string CommunityName, decimal YuanPerPoint,
    long PointsIssued, decimal PointsIssuedYuan, long PointsDeducted, long PointsRedeemed, decimal PointsRedeemedYuan, long PointsOutstanding,
    decimal PointsOutstandingYuan, IReadOnlyList<DonorLine> Donors, decimal DonatedYuan, IReadOnlyList<GoodsLine> Restocked,
    IReadOnlyList<GoodsLine> Redeemed) : ICsvReport
{
    public CsvTable ToCsv()
    {
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "积分", "本月发放积分", "", CsvFiles.Number(PointsIssued), CsvFiles.Yuan(PointsIssuedYuan) },
            new[] { "积分", "本月扣减积分", "", CsvFiles.Number(PointsDeducted), "" },
            new[] { "积分", "本月兑换积分", "", CsvFiles.Number(PointsRedeemed), CsvFiles.Yuan(PointsRedeemedYuan) },
            new[] { "积分", "目前未兑换积分", "", CsvFiles.Number(PointsOutstanding), CsvFiles.Yuan(PointsOutstandingYuan) },
        };
        // A donor's goods of several kinds (10 桶 of oil and 30 块 of soap) have no one quantity: the detail column lists each
        // with its unit, and the quantity column stays empty rather than add barrels to bars.
        rows.AddRange(Donors.Select(d => (IReadOnlyList<string>)new[]
        {
            "捐赠", d.Donor, string.Join("、", d.Goods), d.Goods.Count == 1 ? CsvFiles.Number(d.Quantity) : "", CsvFiles.Yuan(d.ValueYuan),
        }));
        rows.AddRange(Restocked.Select(g => (IReadOnlyList<string>)new[] { "进货", g.ShopName, Detail(g), CsvFiles.Number(g.Quantity), "" }));
        rows.AddRange(Redeemed.Select(g => (IReadOnlyList<string>)new[] { "兑换", g.ShopName, Detail(g), CsvFiles.Number(g.Quantity), CsvFiles.Yuan(g.Points * YuanPerPoint) }));
        return new CsvTable($"funding-{Month}.csv", ["类别", "项目", "明细", "数量或积分", "折合金额（元）"], rows);
    }

    // "大米（5斤），以袋计" — a product's name may carry brackets of its own, so the unit is not put in a second pair.
    private static string Detail(GoodsLine g) => $"{g.Product}，以{g.Unit}计";
}

[Allow(Role.Committee)]
public sealed record GetFundingReport(long CommunityId, string? Month) : IRequest<Outcome<FundingReportView>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate() => ReportData.CheckMonth(Month);
}

sealed class FundingReportHandler(DbDataSource db) : IRequestHandler<GetFundingReport, Outcome<FundingReportView>>
{
    private const string Points = """
        SELECT COALESCE(SUM(earned), 0) AS Earned, COALESCE(SUM(deducted), 0) AS Deducted, COALESCE(SUM(redeemed), 0) AS Redeemed
          FROM monthly_aggregates WHERE community_id = @communityId AND month = @month
        """;

    private const string Outstanding = """
        SELECT COALESCE(SUM(b.balance), 0) FROM balances b JOIN accounts a ON a.id = b.account_id
         WHERE a.community_id = @communityId AND a.kind IN ('household', 'person')
        """;

    private const string Movements = """
        SELECT m.kind AS Kind, m.shop_id AS ShopId, s.name AS ShopName, m.product_id AS ProductId, p.name AS Product, p.unit AS Unit,
               m.quantity AS Quantity, m.donor AS Donor, m.value_fen AS ValueFen
          FROM stock_movements m JOIN shops s ON s.id = m.shop_id JOIN products p ON p.id = m.product_id
         WHERE m.community_id = @communityId AND m.kind IN ('donation', 'restock') AND m.created_at >= @from AND m.created_at < @to
         ORDER BY m.id
        """;

    private const string Shops = "SELECT id AS Id, name AS Name FROM shops WHERE community_id = @communityId";

    private sealed record PointsRow
    {
        public long Earned { get; init; }
        public long Deducted { get; init; }
        public long Redeemed { get; init; }
    }

    private sealed record MovementRow
    {
        public string Kind { get; init; } = "";
        public long ShopId { get; init; }
        public string ShopName { get; init; } = "";
        public long ProductId { get; init; }
        public string Product { get; init; } = "";
        public string Unit { get; init; } = "";
        public long Quantity { get; init; }
        public string? Donor { get; init; }
        public long? ValueFen { get; init; }
    }

    private sealed record ShopName
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
    }

    public async Task<Outcome<FundingReportView>> Handle(GetFundingReport request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ReportData.CommunityAsync(connection, request.CommunityId, ct) is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        return await ReadAsync(connection, community, request.Month!, ct);
    }

    /// <summary>
    /// The funding report of one community and month: the one path for these figures, which the township summary reads
    /// too (it keeps only the totals).
    /// </summary>
    internal static async Task<FundingReportView> ReadAsync(DbConnection connection, ReportCommunity community, string month, CancellationToken ct)
    {
        var period = ReportPeriod.Month(month, community.Zone);
        var args = new { communityId = community.Id, month = period.Label, from = period.FromUtc, to = period.ToUtc };
        var points = await connection.QuerySingleAsync<PointsRow>(new CommandDefinition(Points, args, cancellationToken: ct));
        var outstanding = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Outstanding, args, cancellationToken: ct));
        var movements = (await connection.QueryAsync<MovementRow>(new CommandDefinition(Movements, args, cancellationToken: ct))).AsList();
        var shops = (await connection.QueryAsync<ShopName>(new CommandDefinition(Shops, args, cancellationToken: ct))).ToDictionary(s => s.Id, s => s.Name);
        var (receipts, items) = await ReportData.ReceiptsAsync(connection, community.Id, null, period, ct);

        var donors = movements.Where(m => m.Kind == "donation")
            .GroupBy(m => m.Donor!, StringComparer.Ordinal)
            .Select(g => new DonorLine(g.Key, g.Count(), g.Sum(m => m.Quantity), g.Sum(m => m.ValueFen ?? 0) / 100m,
                [.. g.GroupBy(m => (m.Product, m.Unit)).Select(p => $"{p.Key.Product} {p.Sum(m => m.Quantity)} {p.Key.Unit}")]))
            .OrderByDescending(d => d.ValueYuan)
            .ThenBy(d => d.Donor, StringComparer.Ordinal)
            .ToList();
        var restocked = movements.Where(m => m.Kind == "restock")
            .GroupBy(m => (m.ShopId, m.ProductId))
            .Select(g => new GoodsLine(g.Key.ShopId, g.First().ShopName, g.Key.ProductId, g.First().Product, g.First().Unit, g.Sum(m => m.Quantity), 0))
            .OrderBy(g => g.ShopId).ThenBy(g => g.Product, StringComparer.Ordinal)
            .ToList();
        // Goods redeemed: the receipts confirmed in the month and not returned.
        var redeemed = receipts.Where(r => ReportData.In(r.ConfirmedAt, period) && r.ReturnedSeq is null)
            .SelectMany(r => items[r.VoucherId].Select(i => (r.ShopId, Item: i)))
            .GroupBy(x => (x.ShopId, x.Item.ProductId))
            .Select(g => new GoodsLine(g.Key.ShopId, shops.GetValueOrDefault(g.Key.ShopId, $"#{g.Key.ShopId}"), g.Key.ProductId, g.First().Item.Name,
                g.First().Item.Unit, g.Sum(x => x.Item.Quantity), g.Sum(x => x.Item.Quantity * x.Item.PointsPrice)))
            .OrderBy(g => g.ShopId).ThenByDescending(g => g.Points)
            .ToList();

        return new FundingReportView(period.Label, community.Name, community.YuanPerPoint,
            points.Earned, community.Yuan(points.Earned), points.Deducted, points.Redeemed, community.Yuan(points.Redeemed),
            outstanding, community.Yuan(outstanding), donors, donors.Sum(d => d.ValueYuan), restocked, redeemed);
    }
}
