using PointsBank.Infrastructure;

namespace PointsBank.Features.Redemption;

internal static class RedemptionEndpoints
{
    internal static RouteGroupBuilder MapRedemption(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Redemption");

        group.MapCommand<IssueVoucher>("/vouchers", Reply.Created("/api/v1/communities/{communityId}/vouchers/{voucherId}"))
            .WithSummary("下单: a voucher for items (or an amount at a partner shop), the points held until the counter confirms it; staff for a resident, or the resident's card with its PIN");

        group.MapQuery<GetVoucher>("/vouchers/{voucherId:long}").WithSummary("A voucher: its code, QR, order and status");

        group.MapQuery<PreviewVoucher>("/vouchers/by-code/{code}")
            .WithSummary("The counter's look at a scanned code (?shopId=): the order, points, masked name and balance after; the same refusals as confirming");

        group.MapCommand<CancelVoucher>("/vouchers/{voucherId:long}/cancel")
            .WithSummary("Cancel an issued voucher and release its points (staff, or the card of the voucher's account)");

        group.MapCommand<ConfirmRedemption>("/redemptions", Reply.Created("/api/v1/communities/{communityId}/redemptions/{receiptNo}"))
            .WithSummary("确认兑换: confirm a scanned voucher ({shopId, code}) or card + PIN ({shopId, cardToken, pin, items}, Idempotency-Key); the same voucher again answers 200 with the same receipt");

        group.MapQuery<GetReceipt>("/redemptions/{receiptNo}").WithSummary("A redemption's receipt");

        group.MapCommand<ReturnRedemption>("/redemptions/{receiptNo}/return")
            .WithSummary("退货: the points back (a reversal) and the goods back on the shelf; once");

        return group;
    }
}
