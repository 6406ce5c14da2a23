using PointsBank.Infrastructure;

namespace PointsBank.Features.Reports;

internal static class ReportsEndpoints
{
    internal static RouteGroupBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Reports");

        group.MapReport<GetShopStatement>("/shops/{shopId:long}/statements")
            .WithSummary("对账单: a shop's month (?month=yyyy-MM): redemptions, returns, the net in points and yuan, the goods; &format=csv for Excel");

        group.MapReport<GetDailyRedemptions>("/shops/{shopId:long}/redemptions")
            .WithSummary("当日兑换清单: a shop's redemptions of one local day (?date=yyyy-MM-dd, default today); &format=csv for Excel");

        group.MapReport<GetFundingReport>("/reports/funding")
            .WithSummary("积分资金报告 (?month=yyyy-MM): points issued, deducted, redeemed and unspent with their yuan value, goods donated by donor, bought in and redeemed; &format=csv");

        return group;
    }
}
