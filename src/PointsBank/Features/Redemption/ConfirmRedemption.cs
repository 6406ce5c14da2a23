using System.Globalization;
using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Redemption;

/// <summary>
/// A redemption's receipt (兑换小票). <see cref="AlreadyRedeemed"/> marks the answer to a second scan of the same voucher
/// (or a replay of the same Idempotency-Key): the same receipt, nothing posted; it answers 200 instead of 201.
/// </summary>
public sealed record RedemptionReceipt(
    string ReceiptNo, long VoucherId, string Code, long ShopId, string ShopName, long AccountId, string MaskedName, long Points,
    IReadOnlyList<VoucherItemView> Items, long BalanceAfter, long Seq, DateTime ConfirmedAt, string ConfirmedBy, bool AlreadyRedeemed,
    long? ReturnedSeq = null, DateTime? ReturnedAt = null, string? ReturnReason = null) : IReplayable<RedemptionReceipt>
{
    [JsonIgnore]
    public bool Replayed => AlreadyRedeemed;

    [JsonIgnore]
    public RedemptionReceipt Resource => this;

    public object AsReplayed() => this with { AlreadyRedeemed = true };
}

/// <summary>
/// 确认兑换 at the counter. Either a scanned voucher (<c>code</c>), or a card + PIN for a resident without a phone
/// (<c>cardToken</c>, <c>pin</c>, <c>items</c>; Idempotency-Key required): that issues a voucher (issued_via
/// counter_pin) and confirms it in the same unit. One unit of work: the hold captured into the redemption posting,
/// the stock taken out per item, the receipt, the voucher marked redeemed. A voucher already redeemed answers with its
/// receipt and posts nothing; every refusal posts nothing and moves no stock. The shop's shopkeeper (their shop only)
/// and the committee.
/// </summary>
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record ConfirmRedemption(
    [property: JsonIgnore] long CommunityId,
    long ShopId,
    string? Code = null,
    [property: Secret] string? CardToken = null,
    [property: Secret] string? Pin = null,
    IReadOnlyList<OrderItem>? Items = null,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<RedemptionReceipt>>, IValidated, IShopScoped, IIdempotent
{
    /// <summary>Card + PIN posts points from nothing the client holds: a retry must name the same key.</summary>
    bool IIdempotent.KeyRequired => CardToken is not null;

    /// <summary>Which card paid (its hash), so one Idempotency-Key cannot replay another card's redemption.</summary>
    [JsonIgnore]
    public string? CardHash => CardToken is null ? null : CardSecrets.HashToken(CardToken);

    public IEnumerable<FieldError> Validate() =>
        Check.Positive("shopId", ShopId)
            .Concat((Code, CardToken) switch
            {
                (null, null) => [new FieldError("code", "请扫描兑换券（或刷卡并输入密码）", "is required (or cardToken, pin and items)")],
                (not null, not null) => [new FieldError("code", "兑换券和刷卡只能选一种", "is not sent with cardToken")],
                (not null, _) => Code.Length > 200 ? [new FieldError("code", "太长了，不是兑换码", "is too long for a voucher code")]
                    : Items is not null || Pin is not null ? [new FieldError("items", "扫兑换券时不填商品和密码", "items and pin go with cardToken only")] : [],
                _ => string.IsNullOrEmpty(Pin) ? [new FieldError("pin", "请输入密码", "is required with cardToken")] : Orders.Validate(Items, null),
            });
}

sealed class ConfirmRedemptionHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers, Microsoft.Extensions.Options.IOptions<RedemptionOptions> options)
    : IRequestHandler<ConfirmRedemption, Outcome<RedemptionReceipt>>
{
    public async Task<Outcome<RedemptionReceipt>> Handle(ConfirmRedemption request, CancellationToken ct)
    {
        var actor = callers.Current.Actor;
        if (request.CardToken is not null)
        {
            if (await CardPins.FindActiveAsync(work, request.CommunityId, request.CardToken, ct) is not { } card)
            {
                return new Failure("card_not_found", "no active card of this community has this token");
            }
            if (await CardPins.CheckAsync(work, card, request.Pin, ct) is { } refused)
            {
                return refused;
            }
            var issued = await VoucherIssuer.IssueAsync(work, ledger,
                new NewVoucher(request.CommunityId, request.ShopId, card.AccountId, card.Id, request.Items, null, "counter_pin", actor),
                options.Value.VoucherLifetime, ct);
            return issued.Succeeded ? await Redemptions.ConfirmAsync(work, ledger, issued.Value!, actor, ct) : issued.Failure!;
        }
        if (Vouchers.ShapeProblem(request.Code, out var code) is { } shape)
        {
            return shape;
        }
        if (await Vouchers.ByCodeAsync(work, request.CommunityId, code, ct) is not { } voucher)
        {
            return new Failure("voucher_not_found", "no voucher of this community has this code");
        }
        if (Redemptions.Refusal(voucher, request.ShopId, work.Now) is { } refusal)
        {
            return refusal;
        }
        if (voucher.Status == VoucherStatus.Redeemed)
        {
            return (await Redemptions.ReceiptAsync(work, request.CommunityId, voucher.ReceiptNo!, ct))! with { AlreadyRedeemed = true };
        }
        return await Redemptions.ConfirmAsync(work, ledger, voucher, actor, ct);
    }
}

/// <summary>The one path that confirms a voucher, and the receipt reads.</summary>
internal static class Redemptions
{
    private const string LastReceiptOfDay = """
        SELECT MAX(receipt_no) FROM receipts WHERE community_id = @communityId AND receipt_no >= @from AND receipt_no < @to
        """;

    private const string InsertReceipt = """
        INSERT INTO receipts (receipt_no, community_id, shop_id, voucher_id, account_id, points, seq, balance_after, confirmed_by, confirmed_at)
        VALUES (@receiptNo, @communityId, @shopId, @voucherId, @accountId, @points, @seq, @balanceAfter, @actor, @now)
        """;

    // The claim on the voucher: only an issued, unexpired voucher turns redeemed, once.
    private const string MarkRedeemed = """
        UPDATE vouchers SET status = 'redeemed', receipt_no = @receiptNo, redeemed_seq = @seq, closed_by = @actor, closed_at = @now
         WHERE id = @voucherId AND status = 'issued' AND expires_at > @now
        """;

    private const string SelectReceipt = """
        SELECT r.receipt_no AS ReceiptNo, r.voucher_id AS VoucherId, v.code AS Code, r.shop_id AS ShopId, s.name AS ShopName,
               r.account_id AS AccountId, r.points AS Points, r.seq AS Seq, r.balance_after AS BalanceAfter, r.confirmed_by AS ConfirmedBy,
               r.confirmed_at AS ConfirmedAt, r.returned_seq AS ReturnedSeq, r.returned_at AS ReturnedAt, r.return_reason AS ReturnReason,
        """ + Vouchers.HolderColumns + """

          FROM receipts r
          JOIN vouchers v ON v.id = r.voucher_id
          JOIN shops s ON s.id = r.shop_id
        """ + Vouchers.HolderJoins + """
         WHERE r.community_id = @communityId AND r.receipt_no = @receiptNo
        """;

    private sealed record ReceiptRow
    {
        public string ReceiptNo { get; init; } = "";
        public long VoucherId { get; init; }
        public string Code { get; init; } = "";
        public long ShopId { get; init; }
        public string ShopName { get; init; } = "";
        public long AccountId { get; init; }
        public long Points { get; init; }
        public long Seq { get; init; }
        public long BalanceAfter { get; init; }
        public string ConfirmedBy { get; init; } = "";
        public DateTime ConfirmedAt { get; init => field = Clock.AsUtc(value); }
        public long? ReturnedSeq { get; init; }
        public DateTime? ReturnedAt { get; init => field = value is { } at ? Clock.AsUtc(at) : null; }
        public string? ReturnReason { get; init; }
        public string? HouseholdCode { get; init; }
        public string? HolderName { get; init; }
    }

    /// <summary>Why this voucher cannot be confirmed (or previewed) at this shop now; null when it can (or was redeemed).</summary>
    public static Failure? Refusal(VoucherRow voucher, long shopId, DateTime now) => voucher switch
    {
        _ when voucher.ShopId != shopId => new Failure("voucher_other_shop", $"voucher {voucher.Id} was ordered at shop {voucher.ShopId}"),
        { Status: VoucherStatus.Redeemed } => null,
        { Status: VoucherStatus.Cancelled } => new Failure("voucher_cancelled", $"voucher {voucher.Id} was cancelled"),
        { Status: VoucherStatus.Expired } => new Failure("voucher_expired", $"voucher {voucher.Id} expired"),
        _ when voucher.ExpiresAt <= now => new Failure("voucher_expired",
            $"voucher {voucher.Id} expired at {voucher.ExpiresAt.ToString("O", CultureInfo.InvariantCulture)}"),
        _ => null,
    };

    public static async Task<Outcome<RedemptionReceipt>> ConfirmAsync(UnitOfWork work, PointsLedger ledger, VoucherRow voucher, string actor,
        CancellationToken ct)
    {
        var communityId = voucher.CommunityId;
        var receiptNo = await NextReceiptNoAsync(work, communityId, ct);
        var items = await Vouchers.ItemsAsync(work, voucher.Id, ct);
        foreach (var item in items)
        {
            var moved = await Stock.MoveAsync(work, new StockMove(communityId, voucher.ShopId, item.ProductId, StockKinds.Redemption, -item.Quantity,
                actor, ReceiptNo: receiptNo), ct);
            if (moved is not null)
            {
                return moved.Code == "out_of_stock"
                    ? new Failure("out_of_stock", $"{item.Name}: fewer than {item.Quantity} on hand; nothing was redeemed")
                    : moved;
            }
        }
        var balance = await work.ScalarAsync<long>(Vouchers.Balance, new { accountId = voucher.AccountId, communityId }, ct);
        var captured = await ledger.CaptureHoldAsync(work, communityId, voucher.HoldId, LedgerKeys.Derived("voucher", voucher.Id),
            Explanation(voucher, items, receiptNo), actor, ct);
        if (!captured.Succeeded)
        {
            return captured.Error == LedgerError.HoldNotOpen
                ? new Failure("voucher_expired", $"voucher {voucher.Id}: {captured.Detail}")
                : ProblemCatalog.ToFailure(captured.Error!.Value, captured.Detail!);
        }
        var seq = captured.Transaction!.Seq;
        var args = new
        {
            receiptNo, communityId, shopId = voucher.ShopId, voucherId = voucher.Id, accountId = voucher.AccountId, points = voucher.Points, seq,
            balanceAfter = balance - voucher.Points, actor, now = work.Now,
        };
        await work.ExecuteAsync(InsertReceipt, args, ct);
        if (await work.ExecuteAsync(MarkRedeemed, args, ct) != 1)
        {
            // Inside the community's lock the voucher was read as issued and unexpired a moment ago.
            throw new InvalidOperationException($"voucher {voucher.Id} changed under the community's lock");
        }
        return (await ReceiptAsync(work, communityId, receiptNo, ct))!;
    }

    public static Task<RedemptionReceipt?> ReceiptAsync(UnitOfWork work, long communityId, string receiptNo, CancellationToken ct) =>
        ReceiptAsync(new Reads(work.Connection, work.Transaction), communityId, receiptNo, ct);

    public static async Task<RedemptionReceipt?> ReceiptAsync(Reads reads, long communityId, string receiptNo, CancellationToken ct)
    {
        if (await reads.SingleOrDefaultAsync<ReceiptRow>(SelectReceipt, new { communityId, receiptNo }, ct) is not { } row)
        {
            return null;
        }
        var items = await Vouchers.ItemsAsync(reads, row.VoucherId, ct);
        return new RedemptionReceipt(row.ReceiptNo, row.VoucherId, row.Code, row.ShopId, row.ShopName, row.AccountId,
            Vouchers.Masked(row.HouseholdCode, row.HolderName), row.Points, items, row.BalanceAfter, row.Seq, row.ConfirmedAt, row.ConfirmedBy,
            AlreadyRedeemed: false, row.ReturnedSeq, row.ReturnedAt, row.ReturnReason);
    }

    // R + the community's local date + the community + a number counting that community's receipts of the day: readable
    // on a printed slip, and unique because it is taken inside the community's lock.
    private static async Task<string> NextReceiptNoAsync(UnitOfWork work, long communityId, CancellationToken ct)
    {
        var zone = Communities.CommunityTime.ZoneOf(work);
        var day = Projections.LocalDate(work.Now, zone).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var prefix = $"R{day}-{communityId.ToString(CultureInfo.InvariantCulture)}-";
        var last = await work.ScalarAsync<string>(LastReceiptOfDay, new { communityId, from = prefix, to = prefix[..^1] + "." }, ct);
        var next = last is null ? 1 : long.Parse(last[prefix.Length..], CultureInfo.InvariantCulture) + 1;
        return prefix + next.ToString("D6", CultureInfo.InvariantCulture);
    }

    private static string Explanation(VoucherRow voucher, IReadOnlyList<VoucherItemView> items, string receiptNo)
    {
        var goods = items.Count == 0 ? $"{voucher.Points} 积分" : string.Join("、", items.Select(i => $"{i.Name}×{i.Quantity}"));
        if (goods.Length > 300)
        {
            goods = goods[..300] + "…";
        }
        return $"{voucher.ShopName}兑换：{goods}（小票 {receiptNo}）";
    }
}
