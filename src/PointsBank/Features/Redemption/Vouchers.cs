using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Redemption;

/// <summary>One line of an order: a product of the shop and how many.</summary>
public sealed record OrderItem(long ProductId, int Quantity);

/// <summary>A voucher's line as priced when it was issued.</summary>
public sealed record VoucherItemView
{
    public long ProductId { get; init; }
    public string Name { get; init; } = "";
    public string Unit { get; init; } = "";
    public long Quantity { get; init; }
    public long PointsPrice { get; init; }
    public long Points { get; init; }
}

/// <summary>The statuses of a voucher (<c>vouchers.status</c>).</summary>
public static class VoucherStatus
{
    public const string Issued = "issued";
    public const string Redeemed = "redeemed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
}

/// <summary>A voucher: its code (and QR as a PNG data URI), the order, the points held and until when.</summary>
public sealed record VoucherView(
    long VoucherId, string Code, long Points, DateTime ExpiresAt, string QrPng, IReadOnlyList<VoucherItemView> Items,
    long ShopId, string ShopName, long AccountId, string MaskedName, string Status, string IssuedVia, DateTime CreatedAt, string? ReceiptNo);

/// <summary>A voucher row with what the views need (the shop's name, the account's masked name).</summary>
internal sealed record VoucherRow
{
    public long Id { get; init; }
    public long CommunityId { get; init; }
    public long ShopId { get; init; }
    public string ShopName { get; init; } = "";
    public long AccountId { get; init; }
    public long? CardId { get; init; }
    public string Code { get; init; } = "";
    public long HoldId { get; init; }
    public long Points { get; init; }
    public string Status { get; init; } = "";
    public string IssuedVia { get; init; } = "";
    // Stored without a kind; they are UTC, and the API writes them with their Z.
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
    public DateTime ExpiresAt { get; init => field = Clock.AsUtc(value); }
    public string? ReceiptNo { get; init; }
    public long? RedeemedSeq { get; init; }
    public string? HouseholdCode { get; init; }
    public string? HolderName { get; init; }

    /// <summary>Door plate and masked name (A-101 张*明): enough for the counter to ask "is this you?", never the full name.</summary>
    public string MaskedName => Vouchers.Masked(HouseholdCode, HolderName);
}

/// <summary>Reads of vouchers and their items shared by the slice's handlers, inside a unit or on a connection.</summary>
internal static class Vouchers
{
    // The holder's name: a person account's resident, or the first resident of a household account.
    internal const string HolderColumns = """
        h.code AS HouseholdCode,
        COALESCE(p.full_name, (SELECT r2.full_name FROM residents r2
                                WHERE r2.id = (SELECT MIN(r3.id) FROM residents r3 WHERE r3.household_id = a.household_id))) AS HolderName
        """;

    internal const string HolderJoins = """
          JOIN accounts a ON a.id = v.account_id
          LEFT JOIN residents p ON a.kind = 'person' AND p.id = a.resident_id
          LEFT JOIN households h ON h.id = COALESCE(a.household_id, p.household_id)
        """;

    private const string Select = """
        SELECT v.id AS Id, v.community_id AS CommunityId, v.shop_id AS ShopId, s.name AS ShopName, v.account_id AS AccountId,
               v.card_id AS CardId, v.code AS Code, v.hold_id AS HoldId, v.points AS Points, v.status AS Status,
               v.issued_via AS IssuedVia, v.created_at AS CreatedAt, v.expires_at AS ExpiresAt, v.receipt_no AS ReceiptNo,
               v.redeemed_seq AS RedeemedSeq,
        """ + HolderColumns + """

          FROM vouchers v
          JOIN shops s ON s.id = v.shop_id
        """ + HolderJoins;

    internal const string ByCode = Select + " WHERE v.community_id = @communityId AND v.code = @code";

    internal const string ById = Select + " WHERE v.community_id = @communityId AND v.id = @voucherId";

    // An account's vouchers still to be collected: issued and not yet past their expiry (the job may not have run yet).
    internal const string OpenOfAccount = Select + """

         WHERE v.community_id = @communityId AND v.account_id = @accountId AND v.status = 'issued' AND v.expires_at > @now
         ORDER BY v.expires_at, v.id
        """;

    internal const string Items = """
        SELECT i.product_id AS ProductId, p.name AS Name, p.unit AS Unit, i.quantity AS Quantity, i.points_price AS PointsPrice,
               i.quantity * i.points_price AS Points
          FROM voucher_items i JOIN products p ON p.id = i.product_id
         WHERE i.voucher_id = @voucherId
         ORDER BY p.name, i.product_id
        """;

    // The items of an account's open vouchers (the same vouchers as OpenOfAccount), all in one read.
    internal const string ItemsOfOpen = """
        SELECT i.voucher_id AS VoucherId, i.product_id AS ProductId, p.name AS Name, p.unit AS Unit, i.quantity AS Quantity,
               i.points_price AS PointsPrice, i.quantity * i.points_price AS Points
          FROM voucher_items i JOIN products p ON p.id = i.product_id JOIN vouchers v ON v.id = i.voucher_id
         WHERE v.community_id = @communityId AND v.account_id = @accountId AND v.status = 'issued' AND v.expires_at > @now
         ORDER BY p.name, i.product_id
        """;

    private sealed class OpenItemRow
    {
        public long VoucherId { get; set; }
        public long ProductId { get; set; }
        public string Name { get; set; } = "";
        public string Unit { get; set; } = "";
        public long Quantity { get; set; }
        public long PointsPrice { get; set; }
        public long Points { get; set; }
    }

    internal const string Available = "SELECT balance - held FROM balances WHERE account_id = @accountId AND community_id = @communityId";

    internal const string Balance = "SELECT balance FROM balances WHERE account_id = @accountId AND community_id = @communityId";

    public static string Masked(string? householdCode, string? name)
    {
        var masked = PersonalData.MaskName(name);
        return string.Join(" ", new[] { householdCode, masked }.Where(s => !string.IsNullOrEmpty(s)));
    }

    public static Task<VoucherRow?> ByCodeAsync(UnitOfWork work, long communityId, string code, CancellationToken ct) =>
        ByCodeAsync(new Reads(work.Connection, work.Transaction), communityId, code, ct);

    public static Task<VoucherRow?> ByCodeAsync(Reads reads, long communityId, string code, CancellationToken ct) =>
        reads.SingleOrDefaultAsync<VoucherRow>(ByCode, new { communityId, code }, ct);

    public static Task<VoucherRow?> ByIdAsync(UnitOfWork work, long communityId, long voucherId, CancellationToken ct) =>
        ByIdAsync(new Reads(work.Connection, work.Transaction), communityId, voucherId, ct);

    public static Task<VoucherRow?> ByIdAsync(Reads reads, long communityId, long voucherId, CancellationToken ct) =>
        reads.SingleOrDefaultAsync<VoucherRow>(ById, new { communityId, voucherId }, ct);

    public static Task<IReadOnlyList<VoucherItemView>> ItemsAsync(UnitOfWork work, long voucherId, CancellationToken ct) =>
        ItemsAsync(new Reads(work.Connection, work.Transaction), voucherId, ct);

    public static Task<IReadOnlyList<VoucherItemView>> ItemsAsync(Reads reads, long voucherId, CancellationToken ct) =>
        reads.QueryAsync<VoucherItemView>(Items, new { voucherId }, ct);

    /// <summary>
    /// The account's open vouchers (issued, not expired at <paramref name="now"/>), soonest to expire first, with their
    /// items: what the card page, the resident's order page and the counter show as waiting to be collected.
    /// </summary>
    public static async Task<IReadOnlyList<VoucherView>> OpenOfAccountAsync(Reads reads, long communityId, long accountId, DateTime now, CancellationToken ct)
    {
        var args = new { communityId, accountId, now };
        var rows = await reads.QueryAsync<VoucherRow>(OpenOfAccount, args, ct);
        if (rows.Count == 0)
        {
            return [];
        }
        var items = (await reads.QueryAsync<OpenItemRow>(ItemsOfOpen, args, ct)).ToLookup(i => i.VoucherId, i => new VoucherItemView
        {
            ProductId = i.ProductId, Name = i.Name, Unit = i.Unit, Quantity = i.Quantity, PointsPrice = i.PointsPrice, Points = i.Points,
        });
        return rows.Select(row => View(row, items[row.Id].ToList())).ToList();
    }

    public static VoucherView View(VoucherRow row, IReadOnlyList<VoucherItemView> items) =>
        new(row.Id, row.Code, row.Points, row.ExpiresAt, QrCodes.PngDataUri(row.Code, 8), items, row.ShopId, row.ShopName, row.AccountId,
            row.MaskedName, row.Status, row.IssuedVia, row.CreatedAt, row.ReceiptNo);

    /// <summary>The refusal a code gets before any lookup: not a voucher code at all, or one whose check fails.</summary>
    public static Failure? ShapeProblem(string? text, out string code) => VoucherCodes.Read(text, out code) switch
    {
        VoucherCodeShape.Valid => null,
        VoucherCodeShape.Forged => new Failure("voucher_forged", "the code's check characters do not match"),
        _ => new Failure("voucher_code_malformed", "the text is not a voucher code"),
    };

    /// <summary>
    /// The shop a shopkeeper acts for in this community, when that limits the caller: null for the committee, the system
    /// and system administrators, who act for every shop; a shopkeeper's bound shop otherwise (0 if it has none).
    /// </summary>
    public static long? ShopLimit(Caller caller, long communityId) =>
        caller.Kind != CallerKind.User || caller.IsSystemAdmin || caller.Holds(communityId, Role.Committee)
            ? null
            : caller.Grants.FirstOrDefault(g => g.CommunityId == communityId && g.Role == Role.Shopkeeper)?.ShopId ?? 0;
}

/// <summary>Reads on a connection: the unit's (inside a write) or one of a query's own.</summary>
internal readonly record struct Reads(DbConnection Connection, DbTransaction? Transaction)
{
    public Task<T?> SingleOrDefaultAsync<T>(string sql, object? args, CancellationToken ct) =>
        Connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, args, Transaction, cancellationToken: ct));

    public Task<T?> ScalarAsync<T>(string sql, object? args, CancellationToken ct) =>
        Connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, Transaction, cancellationToken: ct));

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args, CancellationToken ct) =>
        (await Connection.QueryAsync<T>(new CommandDefinition(sql, args, Transaction, cancellationToken: ct))).AsList();
}
