using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Redemption;

/// <summary>
/// 退货: a redemption undone — the points back through a reversal of its posting, the goods back on the shelf (a
/// return movement per item), the receipt marked returned. Once: a second return is <c>already_returned</c>. The
/// shopkeeper of the receipt's shop, or the committee.
/// </summary>
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record ReturnRedemption([property: JsonIgnore] long CommunityId, [property: JsonIgnore] string ReceiptNo, string Reason,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<RedemptionReceipt>>, IValidated, ICommunityScoped, IIdempotent
{
    /// <summary>The reversal's ledger key is derived from the receipt, so a retry cannot return twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

sealed class ReturnRedemptionHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<ReturnRedemption, Outcome<RedemptionReceipt>>
{
    private const string MarkReturned = """
        UPDATE receipts SET returned_seq = @seq, return_reason = @reason, returned_by = @actor, returned_at = @now
         WHERE receipt_no = @receiptNo AND community_id = @communityId AND returned_seq IS NULL
        """;

    public async Task<Outcome<RedemptionReceipt>> Handle(ReturnRedemption request, CancellationToken ct)
    {
        var caller = callers.Current;
        if (await Redemptions.ReceiptAsync(work, request.CommunityId, request.ReceiptNo, ct) is not { } receipt)
        {
            return new Failure("receipt_not_found", $"community {request.CommunityId} has no receipt {request.ReceiptNo}");
        }
        if (Vouchers.ShopLimit(caller, request.CommunityId) is { } own && own != receipt.ShopId)
        {
            return new Failure("receipt_other_shop", $"receipt {receipt.ReceiptNo} belongs to shop {receipt.ShopId}");
        }
        if (receipt.ReturnedSeq is not null)
        {
            return new Failure("already_returned", $"receipt {receipt.ReceiptNo} was returned by transaction {receipt.ReturnedSeq}");
        }
        var reason = request.Reason.Trim();
        var reversed = await ledger.ReverseAsync(work, request.CommunityId, receipt.Seq, $"退货（小票 {receipt.ReceiptNo}）：{reason}", caller.Actor,
            LedgerKeys.Derived("return", receipt.ReceiptNo), ct);
        if (!reversed.Succeeded)
        {
            return reversed.Error == LedgerError.AlreadyReversed
                ? new Failure("already_returned", reversed.Detail!)
                : ProblemCatalog.ToFailure(reversed.Error!.Value, reversed.Detail!);
        }
        foreach (var item in receipt.Items)
        {
            if (await Stock.MoveAsync(work, new StockMove(request.CommunityId, receipt.ShopId, item.ProductId, StockKinds.Return, item.Quantity,
                    caller.Actor, Note: reason, ReceiptNo: receipt.ReceiptNo), ct) is { } failed)
            {
                return failed;
            }
        }
        await work.ExecuteAsync(MarkReturned, new
        {
            seq = reversed.Transaction!.Seq, reason, actor = caller.Actor, now = work.Now, receiptNo = receipt.ReceiptNo, communityId = request.CommunityId,
        }, ct);
        return (await Redemptions.ReceiptAsync(work, request.CommunityId, receipt.ReceiptNo, ct))!;
    }
}
