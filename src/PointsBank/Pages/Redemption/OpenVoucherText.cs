using PointsBank.Infrastructure;

namespace PointsBank.Pages.Redemption;

/// <summary>
/// How the order pages explain "可用积分不足" when the points are not spent but held by vouchers nobody collected yet:
/// the plain refusal alone sent residents to wait at the counter for the expiry without knowing why.
/// </summary>
public static class OpenVoucherText
{
    /// <summary>The refusal in the reader's language, with the held points and what to do when open vouchers hold any.</summary>
    public static string Refusal(ShellPage page, Failure failure, long heldByVouchers) =>
        failure.Code == "insufficient_points" && heldByVouchers > 0
            ? page.T($"可用积分不足：有 {heldByVouchers} 分被未领取的兑换券冻结。请到柜台出示兑换券领取商品，或取消不要的兑换券，积分会马上退回。",
                $"Not enough points available: {heldByVouchers} points are held by vouchers not yet collected. Show a voucher at the counter to collect its goods, or cancel the ones you do not want: their points come back at once.")
            : PageText.Problem(page, failure);
}
