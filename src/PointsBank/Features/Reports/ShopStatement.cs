using System.Data.Common;
using System.Globalization;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Reports;

/// <summary>One redemption on a shop's list: the receipt, who (the account's name: a door-plate code, never a person's name), what, when.</summary>
public sealed record RedemptionLine(string ReceiptNo, DateTime ConfirmedAt, string ConfirmedAtLocal, long AccountId, string AccountName, string Items,
    long Points, bool Returned, string? ReturnReason);

/// <summary>The goods a statement counts, per product.</summary>
public sealed record StatementItem(long ProductId, string Name, string Unit, long Quantity, long Points);

/// <summary>
/// 对账单: a shop's month for settlement with the committee — redemptions confirmed in the month (count, points, the
/// goods), returns made in the month (they take their points and goods back, whichever month the redemption was),
/// the net, and its value in yuan at the community's rate; every redemption listed.
/// </summary>
public sealed record ShopStatementView(long ShopId, string ShopName, string Month, int Redemptions, long Points, int Returns, long ReturnedPoints,
    long NetPoints, decimal YuanPerPoint, decimal NetYuan, IReadOnlyList<StatementItem> Items, IReadOnlyList<StatementItem> ReturnedItems,
    IReadOnlyList<RedemptionLine> Lines) : ICsvReport
{
    public CsvTable ToCsv() => new($"statement-shop{ShopId}-{Month}.csv",
        ["小票号", "兑换时间", "账户", "商品", "积分", "已退货", "退货原因"],
        [
            .. Lines.Select(l => (IReadOnlyList<string>)[l.ReceiptNo, l.ConfirmedAtLocal, l.AccountName, l.Items, CsvFiles.Number(l.Points),
                l.Returned ? "是" : "", l.ReturnReason ?? ""]),
            ["合计", Month, $"兑换 {Redemptions} 笔，退货 {Returns} 笔", $"折合 {CsvFiles.Yuan(NetYuan)} 元（每分 {YuanPerPoint.ToString("0.####", CultureInfo.InvariantCulture)} 元）",
                CsvFiles.Number(NetPoints), "", ""],
        ]);
}

/// <summary>当日兑换清单: a shop's redemptions of one local day (default today), for the shopkeeper's evening check.</summary>
public sealed record DailyRedemptionsView(long ShopId, string ShopName, string Date, int Count, long Points, IReadOnlyList<RedemptionLine> Lines) : ICsvReport
{
    public CsvTable ToCsv() => new($"redemptions-shop{ShopId}-{Date}.csv",
        ["小票号", "兑换时间", "账户", "商品", "积分", "已退货", "退货原因"],
        [
            .. Lines.Select(l => (IReadOnlyList<string>)[l.ReceiptNo, l.ConfirmedAtLocal, l.AccountName, l.Items, CsvFiles.Number(l.Points),
                l.Returned ? "是" : "", l.ReturnReason ?? ""]),
            ["合计", Date, $"{Count} 笔", "", CsvFiles.Number(Points), "", ""],
        ]);
}

[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record GetShopStatement(long CommunityId, long ShopId, string? Month)
    : IRequest<Outcome<ShopStatementView>>, IValidated, IQuery, IShopScoped
{
    public IEnumerable<FieldError> Validate() => ReportData.CheckMonth(Month);
}

[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record GetDailyRedemptions(long CommunityId, long ShopId, DateOnly? Date = null)
    : IRequest<Outcome<DailyRedemptionsView>>, IQuery, IShopScoped;

sealed class ShopReportsHandler(DbDataSource db, TimeProvider clock)
    : IRequestHandler<GetShopStatement, Outcome<ShopStatementView>>, IRequestHandler<GetDailyRedemptions, Outcome<DailyRedemptionsView>>
{
    public async Task<Outcome<ShopStatementView>> Handle(GetShopStatement request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ReportData.CommunityAsync(connection, request.CommunityId, ct) is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (await ReportData.ShopAsync(connection, request.CommunityId, request.ShopId, ct) is not { } shop)
        {
            return new Failure("shop_not_found", $"community {request.CommunityId} has no shop {request.ShopId}");
        }
        var period = ReportPeriod.Month(request.Month!, community.Zone);
        var (receipts, items) = await ReportData.ReceiptsAsync(connection, request.CommunityId, request.ShopId, period, ct);
        var confirmed = receipts.Where(r => ReportData.In(r.ConfirmedAt, period)).ToList();
        var returned = receipts.Where(r => ReportData.In(r.ReturnedAt, period)).ToList();
        var points = confirmed.Sum(r => r.Points);
        var returnedPoints = returned.Sum(r => r.Points);
        return new ShopStatementView(shop.Id, shop.Name, period.Label, confirmed.Count, points, returned.Count, returnedPoints, points - returnedPoints,
            community.YuanPerPoint, community.Yuan(points - returnedPoints), Totals(confirmed, items), Totals(returned, items),
            [.. confirmed.Select(r => Line(r, items, community))]);
    }

    public async Task<Outcome<DailyRedemptionsView>> Handle(GetDailyRedemptions request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ReportData.CommunityAsync(connection, request.CommunityId, ct) is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (await ReportData.ShopAsync(connection, request.CommunityId, request.ShopId, ct) is not { } shop)
        {
            return new Failure("shop_not_found", $"community {request.CommunityId} has no shop {request.ShopId}");
        }
        var day = request.Date ?? Ledger.Projections.LocalDate(clock.GetUtcNow().UtcDateTime, community.Zone);
        var period = ReportPeriod.Day(day, community.Zone);
        var (receipts, items) = await ReportData.ReceiptsAsync(connection, request.CommunityId, request.ShopId, period, ct);
        var confirmed = receipts.Where(r => ReportData.In(r.ConfirmedAt, period)).ToList();
        var lines = confirmed.Select(r => Line(r, items, community)).ToList();
        return new DailyRedemptionsView(shop.Id, shop.Name, period.Label, lines.Count, confirmed.Where(r => r.ReturnedSeq is null).Sum(r => r.Points), lines);
    }

    private static RedemptionLine Line(ReportData.ReceiptRow r, ILookup<long, ReportData.ItemRow> items, ReportCommunity community) =>
        new(r.ReceiptNo, Data.Clock.AsUtc(r.ConfirmedAt), ReportData.Local(r.ConfirmedAt, community.Zone), r.AccountId, r.AccountName,
            ReportData.ItemsText(items[r.VoucherId], r.Points), r.Points, r.ReturnedSeq is not null, r.ReturnReason);

    private static IReadOnlyList<StatementItem> Totals(IEnumerable<ReportData.ReceiptRow> receipts, ILookup<long, ReportData.ItemRow> items) =>
        receipts.SelectMany(r => items[r.VoucherId])
            .GroupBy(i => i.ProductId)
            .Select(g => new StatementItem(g.Key, g.First().Name, g.First().Unit, g.Sum(i => i.Quantity), g.Sum(i => i.Quantity * i.PointsPrice)))
            .OrderByDescending(i => i.Points)
            .ThenBy(i => i.Name, StringComparer.Ordinal)
            .ToList();
}
