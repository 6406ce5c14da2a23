using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Redemption;
using PointsBank.Features.Shops;

namespace PointsBank.Tests.Http;

/// <summary>Data for the redemption samples: each community's shop (the demo shopkeeper's in the own one), a product, vouchers.</summary>
public abstract partial class AuthorizationMatrixTests
{
    private readonly Dictionary<long, (long Shop, long Product)> _counters = [];

    private async Task<(long Shop, long Product)> CounterAsync(Community community)
    {
        if (_counters.TryGetValue(community.Id, out var known))
        {
            return known;
        }
        var db = _app.Services.GetRequiredService<System.Data.Common.DbDataSource>();
        long shop;
        await using (var connection = await db.OpenConnectionAsync())
        {
            shop = await connection.ExecuteScalarAsync<long?>("""
                SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper' AND r.community_id = @c
                """, new { c = community.Id }) ?? await NewShopAsync(community.Id);
            await connection.ExecuteAsync("""
                INSERT INTO products (community_id, shop_id, name, unit, points_price, is_active, on_hand, created_at)
                VALUES (@c, @shop, @name, '块', 1, 1, 0, '2026-01-01T00:00:00.000Z')
                """, new { c = community.Id, shop, name = SampleContext.Unique("矩阵肥皂") });
        }
        long product;
        await using (var connection = await db.OpenConnectionAsync())
        {
            product = await connection.ExecuteScalarAsync<long>("SELECT MAX(id) FROM products WHERE shop_id = @shop", new { shop });
        }
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            await work.BeginAsync(community.Id, default);
            Assert.That(await Stock.MoveAsync(work, new StockMove(community.Id, shop, product, StockKinds.Restock, 100_000, "cli:matrix"), default), Is.Null);
            await work.CommitAsync(default);
        }
        return _counters[community.Id] = (shop, product);
    }

    /// <summary>A voucher for one item, issued at the command line, with a point awarded to pay for it.</summary>
    private async Task<VoucherView> NewVoucherAsync(Community community)
    {
        var (shop, product) = await CounterAsync(community);
        await NewAwardSeqAsync(community);
        var issued = await Cli(new IssueVoucher(community.Id, shop, community.AccountId, [new OrderItem(product, 1)]));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        return issued.Value!;
    }

    private async Task<RedemptionReceipt> NewReceiptAsync(Community community)
    {
        var voucher = await NewVoucherAsync(community);
        var confirmed = await Cli(new ConfirmRedemption(community.Id, voucher.ShopId, voucher.Code));
        Assert.That(confirmed.Failure, Is.Null, confirmed.Failure?.Detail);
        return confirmed.Value!;
    }

    private static async Task<SampleRequest> IssueVoucherSample(SampleContext s)
    {
        var (shop, product) = await s.Test.CounterAsync(s.Community);
        await s.Test.NewAwardSeqAsync(s.Community);
        return new SampleRequest($"{s.C}/vouchers", new { shopId = shop, accountId = s.Community.AccountId, items = new[] { new { productId = product, quantity = 1 } } });
    }
}
