using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Features.Points;
using PointsBank.Features.Redemption;
using PointsBank.Features.Shops;
using PointsBank.Features.Users;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Demo;

public sealed record DemoUser(string Username, string Password, string Role);

public sealed record DemoSummary(long CommunityId, string CommunityName, long SampleAccountId, string SampleHousehold, int Transactions,
    IReadOnlyList<DemoUser> Users, string SampleCardUrl, string SampleCardPin);

/// <summary>
/// Development only: fills an empty database with a demo village (示范村) — grids, households, residents and a
/// few months of awards, deductions, redemptions and a correction, and a points card for every household (the first
/// household's with PIN <see cref="SampleCardPin"/>) — so a newcomer has something to look at.
/// </summary>
public sealed class DemoSeeder(IMediator mediator, DbDataSource db, TimeProvider clock)
{
    private const string CountCommunities = "SELECT COUNT(*) FROM communities";

    /// <summary>The PIN of the first demo household's card (documented in the README's demo section).</summary>
    public const string SampleCardPin = "1234";

    private static readonly string[] GridNames = ["一组", "二组", "三组"];

    private static readonly string[][] Families =
    [
        ["张建国", "李秀英", "张明"],
        ["王德福", "赵桂兰"],
        ["刘志强", "陈美华", "刘洋"],
        ["杨春生", "周玉梅"],
        ["黄永刚", "吴丽娟", "黄晓东"],
        ["孙长海", "郑淑芬"],
        ["马金山", "胡秀兰", "马小军"],
        ["朱国庆", "何翠花"],
    ];

    private sealed record Deed(string Category, string Reason, long Points, int? Minutes = null);

    private static readonly Deed[] Deeds =
    [
        new(Categories.GoodDeed, "拾金不昧，归还村民钱包", 10),
        new(Categories.Volunteer, "参加村组织的义务劳动（环境整治）", 5, 120),
        new(Categories.Hygiene, "垃圾分类月度检查达标", 10),
        new(Categories.Hygiene, "门前三包，宅前屋后无乱堆乱放", 15),
        new(Categories.FilialPiety, "孝老爱亲，照顾卧病老人", 10),
        new(Categories.Neighbourliness, "调解邻里矛盾", 8),
        new(Categories.Volunteer, "治安巡防志愿服务 3 小时", 6, 180),
    ];

    public async Task<bool> IsEmptyAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountCommunities, cancellationToken: ct)) == 0;
    }

    public async Task<DemoSummary> SeedAsync(CancellationToken ct)
    {
        var community = Must(await mediator.Send(new CreateCommunity("demo", "示范村", BackdateDays: 100), ct)).CommunityId;
        var grids = new List<long>();
        foreach (var grid in GridNames)
        {
            grids.Add(Must(await mediator.Send(new AddGrid(community, grid), ct)).GridId);
        }

        var accounts = new List<(long Account, long[] Members, string Code)>();
        for (var i = 0; i < Families.Length; i++)
        {
            var code = $"{GridNames[i % GridNames.Length]}-{i + 1:D2}";
            var household = Must(await mediator.Send(new AddHousehold(community, grids[i % grids.Count], code, $"示范村{code}号"), ct)).HouseholdId;
            var members = new List<long>();
            foreach (var (name, index) in Families[i].Select((n, k) => (n, k)))
            {
                members.Add(Must(await mediator.Send(new AddResident(community, household, name, $"1380000{i:D2}{index:D2}"), ct)).ResidentId);
            }
            var account = Must(await mediator.Send(new OpenAccount(community, "household", household), ct)).AccountId;
            accounts.Add((account, members.ToArray(), code));
        }

        // Three months of entries, posted now through the ordinary requests with the past days they belong to as their
        // effective dates, as a committee catching up on paperwork would (the demo village allows 100 days back).
        var zone = Projections.Zone("Asia/Shanghai");
        var today = Projections.LocalDate(Clock.Now(clock), zone);
        var random = new Random(20261122);
        var posted = 0;
        for (var day = 0; day < 88; day += 2)
        {
            var date = today.AddDays(day - 88);
            var (account, members, _) = accounts[random.Next(accounts.Count)];
            var member = members[random.Next(members.Length)];
            var deed = Deeds[random.Next(Deeds.Length)];
            posted += Count(await mediator.Send(new AwardPoints(community, account, deed.Points, deed.Reason, deed.Category, member,
                $"demo-award-{day}", date), ct));
            if (day % 12 == 6)
            {
                var (target, targetMembers, _) = accounts[random.Next(accounts.Count)];
                posted += Count(await mediator.Send(new DeductPoints(community, target, 5, "乱扔垃圾，经网格员检查扣分", Categories.Deduction,
                    targetMembers[0], $"demo-deduct-{day}", date), ct));
            }
        }
        // One correction, as a committee would make it: reverse a mistaken award with a reason.
        posted += Count(await mediator.Send(new ReverseTransaction(community, 1, "录入错误：该户当日未参加活动", "demo-reverse-1"), ct));

        var shop = Must(await mediator.Send(new AddShop(community, "示范村积分超市"), ct)).ShopId;
        var shelf = await SeedCatalogueAsync(community, shop, ct);
        // A few of today's redemptions at the counter, through the same requests the counter page sends: a voucher for the
        // household's order, then the shopkeeper's scan confirms it (points captured, stock out, a receipt).
        var balances = new Dictionary<long, long>();
        foreach (var (account, _, _) in accounts)
        {
            balances[account] = Must(await mediator.Send(new GetBalance(community, account), ct)).Available;
        }
        foreach (var (product, quantity, price) in new[] { ("肥皂", 1, 10L), ("牙膏", 2, 15L), ("洗衣粉", 1, 30L) })
        {
            // The household with the most points left buys: the demo's redemptions never overdraw.
            var buyer = balances.MaxBy(b => b.Value).Key;
            balances[buyer] -= quantity * price;
            var voucher = await mediator.Send(new IssueVoucher(community, shop, buyer, [new OrderItem(shelf[product], quantity)]), ct);
            if (voucher.Succeeded)
            {
                posted += Count(await mediator.Send(new ConfirmRedemption(community, shop, voucher.Value!.Code), ct));
            }
        }
        Must(await mediator.Send(new AddShop(community, "村口小卖部", Kind: ShopKinds.Partner), ct));
        var users = await SeedUsersAsync(community, grids[0], shop, ct);

        // Every household gets its card, as the committee would issue them grid by grid; the first one gets a PIN.
        foreach (var grid in grids)
        {
            Must(await mediator.Send(new IssueGridCards(community, grid), ct));
        }
        var sample = accounts[0];
        var sampleCard = Must(await mediator.Send(new GetAccountCard(community, sample.Account), ct));
        Must(await mediator.Send(new SetCardPin(community, sampleCard.CardId, SampleCardPin), ct));
        var sampleUrl = Must(await mediator.Send(new GetCardLabel(community, sampleCard.CardId), ct)).Url;
        return new DemoSummary(community, "示范村", sample.Account, sample.Code, posted, users, sampleUrl, SampleCardPin);
    }

    private sealed record Goods(string Name, string Unit, long Price, long Restocked, (string Donor, long Quantity, decimal Value)? Donated = null);

    private static readonly Goods[] Shelf =
    [
        new("洗衣粉", "袋", 30, 40, ("县供销社", 20, 160m)),
        new("食用油", "桶", 120, 10, ("爱心企业 惠民超市", 10, 699.00m)),
        new("大米（5斤）", "袋", 80, 20),
        new("牙膏", "支", 15, 30, ("县供销社", 20, 96.50m)),
        new("毛巾", "条", 20, 25),
        new("酱油", "瓶", 25, 24),
        new("肥皂", "块", 10, 50, ("爱心企业 惠民超市", 30, 75m)),
        new("鸡蛋（10个）", "盒", 40, 2),
    ];

    // The points supermarket's shelf: everyday goods bought in (进货) and given by named donors (捐赠入库) with their
    // estimated value, through the same requests the shop page sends. 鸡蛋 runs low, so the page has something to flag.
    private async Task<Dictionary<string, long>> SeedCatalogueAsync(long community, long shop, CancellationToken ct)
    {
        var products = new Dictionary<string, long>();
        foreach (var goods in Shelf)
        {
            var product = Must(await mediator.Send(new AddProduct(community, shop, goods.Name, goods.Price, goods.Unit), ct)).Id;
            products[goods.Name] = product;
            Must(await mediator.Send(new RecordStockMovement(community, shop, product, StockKinds.Restock, goods.Restocked, Note: "村委会统一采购"), ct));
            if (goods.Donated is var (donor, quantity, value))
            {
                Must(await mediator.Send(new RecordStockMovement(community, shop, product, StockKinds.Donation, quantity, donor, value), ct));
            }
        }
        return products;
    }

    // One demo user per role, with a password that says it is a demo. Development only.
    private async Task<IReadOnlyList<DemoUser>> SeedUsersAsync(long community, long firstGrid, long shop, CancellationToken ct)
    {
        (string Username, string Name, string Role, long? Grid, long? Shop)[] staff =
        [
            ("committee", "王书记（两委）", "committee", null, null),
            ("reviewer", "李评议（评议员）", "reviewer", null, null),
            ("inspector", "赵网格（一组网格员）", "inspector", firstGrid, null),
            ("organizer", "陈组织（志愿活动）", "organizer", null, null),
            ("shopkeeper", "周店员（积分超市）", "shopkeeper", null, shop),
            ("township", "刘干部（镇/街道）", "township", null, null),
        ];
        var users = new List<DemoUser>();
        Must(await mediator.Send(new CreateUser("admin", "系统管理员", "admin-demo-2026"), ct));
        Must(await mediator.Send(new GrantSystemAdmin("admin"), ct));
        Must(await mediator.Send(new GrantRole(community, "admin", "admin"), ct));
        users.Add(new DemoUser("admin", "admin-demo-2026", "admin"));
        foreach (var (username, name, role, grid, shopId) in staff)
        {
            var password = $"{username}-demo-2026";
            Must(await mediator.Send(new AddCommunityUser(community, username, name, password, role, grid, shopId), ct));
            users.Add(new DemoUser(username, password, role));
        }
        return users;
    }

    private static int Count<T>(Outcome<T> outcome) => outcome.Succeeded ? 1 : 0;

    private static T Must<T>(Outcome<T> outcome) => outcome.Succeeded
        ? outcome.Value!
        : throw new InvalidOperationException($"demo seed failed: {outcome.Failure!.Code} {outcome.Failure.Detail}");
}
