using System.Data.Common;
using System.Globalization;
using Dapper;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Reports;

/// <summary>The community facts every report needs: its name, time zone and points-to-yuan rate.</summary>
internal sealed record ReportCommunity(long Id, string Name, TimeZoneInfo Zone, decimal YuanPerPoint)
{
    /// <summary>Yuan for a number of points at the community's rate, to the fen.</summary>
    public decimal Yuan(long points) => Math.Round(points * YuanPerPoint, 2, MidpointRounding.AwayFromZero);
}

/// <summary>A local period (a day or a month in the community's time zone) as the UTC instants that bound it.</summary>
internal sealed record ReportPeriod(string Label, DateTime FromUtc, DateTime ToUtc)
{
    public static ReportPeriod Month(string month, TimeZoneInfo zone)
    {
        var first = DateOnly.ParseExact(month, Projections.MonthFormat, CultureInfo.InvariantCulture);
        return new ReportPeriod(month, Utc(first, zone), Utc(first.AddMonths(1), zone));
    }

    public static ReportPeriod Day(DateOnly day, TimeZoneInfo zone) =>
        new(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Utc(day, zone), Utc(day.AddDays(1), zone));

    private static DateTime Utc(DateOnly day, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone);
}

/// <summary>Reads shared by the reports: the community, the shop, the receipts of a period and their items.</summary>
internal static class ReportData
{
    private const string SelectCommunity = """
        SELECT id AS Id, name AS Name, time_zone AS TimeZone, yuan_per_point_e4 AS YuanPerPointE4 FROM communities WHERE id = @communityId
        """;

    private const string SelectShop = "SELECT id AS Id, name AS Name, kind AS Kind FROM shops WHERE id = @shopId AND community_id = @communityId";

    // Receipts confirmed in the period, or returned in it (a return counts in the month it happened).
    private const string SelectReceipts = """
        SELECT r.receipt_no AS ReceiptNo, r.shop_id AS ShopId, r.voucher_id AS VoucherId, r.account_id AS AccountId, a.name AS AccountName,
               r.points AS Points, r.seq AS Seq, r.confirmed_by AS ConfirmedBy, r.confirmed_at AS ConfirmedAt,
               r.returned_seq AS ReturnedSeq, r.return_reason AS ReturnReason, r.returned_at AS ReturnedAt
          FROM receipts r JOIN accounts a ON a.id = r.account_id
         WHERE r.community_id = @communityId AND (@shopId IS NULL OR r.shop_id = @shopId)
           AND ((r.confirmed_at >= @from AND r.confirmed_at < @to) OR (r.returned_at >= @from AND r.returned_at < @to))
         ORDER BY r.confirmed_at, r.receipt_no
        """;

    private const string SelectItems = """
        SELECT i.voucher_id AS VoucherId, p.id AS ProductId, p.name AS Name, p.unit AS Unit, i.quantity AS Quantity, i.points_price AS PointsPrice
          FROM receipts r
          JOIN voucher_items i ON i.voucher_id = r.voucher_id
          JOIN products p ON p.id = i.product_id
         WHERE r.community_id = @communityId AND (@shopId IS NULL OR r.shop_id = @shopId)
           AND ((r.confirmed_at >= @from AND r.confirmed_at < @to) OR (r.returned_at >= @from AND r.returned_at < @to))
         ORDER BY i.voucher_id, p.name
        """;

    public sealed record ShopRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string Kind { get; init; } = "";
    }

    public sealed record ReceiptRow
    {
        public string ReceiptNo { get; init; } = "";
        public long ShopId { get; init; }
        public long VoucherId { get; init; }
        public long AccountId { get; init; }
        public string AccountName { get; init; } = "";
        public long Points { get; init; }
        public long Seq { get; init; }
        public string ConfirmedBy { get; init; } = "";
        public DateTime ConfirmedAt { get; init; }
        public long? ReturnedSeq { get; init; }
        public string? ReturnReason { get; init; }
        public DateTime? ReturnedAt { get; init; }
    }

    public sealed record ItemRow
    {
        public long VoucherId { get; init; }
        public long ProductId { get; init; }
        public string Name { get; init; } = "";
        public string Unit { get; init; } = "";
        public long Quantity { get; init; }
        public long PointsPrice { get; init; }
    }

    private sealed record CommunityRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public long YuanPerPointE4 { get; init; }
    }

    public static async Task<ReportCommunity?> CommunityAsync(DbConnection connection, long communityId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CommunityRow>(new CommandDefinition(SelectCommunity, new { communityId }, cancellationToken: ct));
        return row is null ? null : new ReportCommunity(row.Id, row.Name, Projections.Zone(row.TimeZone), row.YuanPerPointE4 / 10_000m);
    }

    public static Task<ShopRow?> ShopAsync(DbConnection connection, long communityId, long shopId, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<ShopRow>(new CommandDefinition(SelectShop, new { communityId, shopId }, cancellationToken: ct));

    public static async Task<(IReadOnlyList<ReceiptRow> Receipts, ILookup<long, ItemRow> Items)> ReceiptsAsync(DbConnection connection,
        long communityId, long? shopId, ReportPeriod period, CancellationToken ct)
    {
        var args = new { communityId, shopId, from = period.FromUtc, to = period.ToUtc };
        var receipts = (await connection.QueryAsync<ReceiptRow>(new CommandDefinition(SelectReceipts, args, cancellationToken: ct))).AsList();
        var items = (await connection.QueryAsync<ItemRow>(new CommandDefinition(SelectItems, args, cancellationToken: ct))).ToLookup(i => i.VoucherId);
        return (receipts, items);
    }

    public static bool In(DateTime? utc, ReportPeriod period) => utc is { } at && at >= period.FromUtc && at < period.ToUtc;

    public static string Local(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>"洗衣粉 ×1、牙膏 ×2", or the points amount of a partner-shop voucher without items.</summary>
    public static string ItemsText(IEnumerable<ItemRow> items, long points)
    {
        var text = string.Join("、", items.Select(i => $"{i.Name} ×{i.Quantity}"));
        return text.Length > 0 ? text : $"积分抵扣 {points} 分";
    }

    public static IEnumerable<FieldError> CheckMonth(string? month) =>
        month is { Length: 7 } && DateOnly.TryParseExact(month, Projections.MonthFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? []
            : [new FieldError("month", "月份须写成 yyyy-MM，例如 2026-11", "must be a month as yyyy-MM, e.g. 2026-11")];
}
