using PointsBank.Features.Communities;
using PointsBank.Features.Shops;

namespace PointsBank.Pages.Shops;

/// <summary>The shop pages' words for stored codes (a shop's kind, a movement's kind); who did something is <see cref="ActorWords"/>'s.</summary>
public static class ShopWords
{
    /// <summary>At or below this many on hand a product is marked as running low.</summary>
    public const long LowStock = 5;

    public static string Kind(ShellPage page, string kind) => kind switch
    {
        ShopKinds.Partner => page.T("爱心商家", "Partner shop"),
        _ => page.T("积分超市", "Points supermarket"),
    };

    public static string Movement(ShellPage page, string kind) => kind switch
    {
        StockKinds.Restock => page.T("进货", "Restock"),
        StockKinds.Donation => page.T("捐赠入库", "Donation"),
        StockKinds.Redemption => page.T("兑换出库", "Redemption"),
        StockKinds.Return => page.T("退货入库", "Return"),
        StockKinds.Correction => page.T("盘点更正", "Stock-take"),
        _ => kind,
    };

    public static string Yuan(decimal yuan) => yuan.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}
