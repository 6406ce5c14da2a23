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
using PointsBank.Features.Volunteers;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

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

    /// <summary>The demo village's time zone, given when it is created; its seeded days and times are in it.</summary>
    public const string DemoZone = "Asia/Shanghai";

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

    // Deeds by rules of the default catalogue (Rules/DefaultRules.cs), each with the facts its formula asks for and an
    // evidence note, as the committee would record them on the points page.
    private sealed record Deed(string RuleCode, string Note, RuleFacts? Facts = null);

    private static readonly Deed[] Deeds =
    [
        new("public_labour", "参加村组织的义务劳动（环境整治）"),
        new("waste_sorting", "垃圾分类月度检查", new RuleFacts(Grade: "优")),
        new("frontage_tidy", "门前三包检查，宅前屋后无乱堆乱放", new RuleFacts(Grade: "无问题")),
        new("security_patrol", "参加夜间治安巡防"),
        new("volunteer_service", "为独居老人打扫卫生、代购生活用品", new RuleFacts(Minutes: 120)),
        new("waste_sorting", "垃圾分类月度检查", new RuleFacts(Grade: "良")),
        new("public_labour", "参加村道两旁清理杂草"),
    ];

    // When a deed's rule refuses (a monthly check already recorded for that household), the day's deed is this one instead.
    private static readonly Deed Fallback = new("public_labour", "参加村组织的义务劳动（环境整治）");

    public async Task<bool> IsEmptyAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountCommunities, cancellationToken: ct)) == 0;
    }

    public async Task<DemoSummary> SeedAsync(CancellationToken ct)
    {
        var community = Must(await mediator.Send(new CreateCommunity("demo", "示范村", TimeZone: DemoZone, BackdateDays: 100), ct)).CommunityId;
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
        var zone = Projections.Zone(DemoZone);
        var today = Projections.LocalDate(Clock.Now(clock), zone);
        var random = new Random(20261122);
        var posted = 0;
        for (var day = 0; day < 88; day += 2)
        {
            var date = today.AddDays(day - 88);
            var (account, members, _) = accounts[random.Next(accounts.Count)];
            var member = members[random.Next(members.Length)];
            var deed = Deeds[random.Next(Deeds.Length)];
            var award = await mediator.Send(new AwardPoints(community, account, null, null, null, member, $"demo-award-{day}", date,
                deed.RuleCode, deed.Facts, deed.Note), ct);
            if (award.Failure?.Code == "rule_refused")
            {
                award = await mediator.Send(new AwardPoints(community, account, null, null, null, member, $"demo-award-{day}-again", date,
                    Fallback.RuleCode, Fallback.Facts, Fallback.Note), ct);
            }
            posted += Count(award);
            if (day % 12 == 6)
            {
                var (target, targetMembers, _) = accounts[random.Next(accounts.Count)];
                posted += Count(await mediator.Send(new DeductPoints(community, target, null, null, null, targetMembers[0],
                    $"demo-deduct-{day}", date, "littering", null, "网格员检查发现乱扔垃圾，已拍照留存"), ct));
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
        await SeedVolunteeringAsync(community, accounts, ct);
        var sample = accounts[0];
        var sampleCard = Must(await mediator.Send(new GetAccountCard(community, sample.Account), ct));
        Must(await mediator.Send(new SetCardPin(community, sampleCard.CardId, SampleCardPin), ct));
        var sampleUrl = Must(await mediator.Send(new GetCardLabel(community, sampleCard.CardId), ct)).Url;
        return new DemoSummary(community, "示范村", sample.Account, sample.Code, posted, users, sampleUrl, SampleCardPin);
    }

    // 志愿服务: three residents register with their consent; yesterday's 敬老院探访 has its records (confirmed hour claims:
    // the seed cannot scan cards yesterday) closed and certified, so their hours and points show; today's 村道清扫 is
    // open for check-in with two volunteers checked in, for a newcomer to check out on the scan page.
    private async Task SeedVolunteeringAsync(long community, List<(long Account, long[] Members, string Code)> accounts, CancellationToken ct)
    {
        var residents = new[] { accounts[1].Members[0], accounts[2].Members[1], accounts[3].Members[0] };
        foreach (var resident in residents)
        {
            Must(await mediator.Send(new EnrollVolunteer(community, resident, "本人签字同意记录志愿服务信息（示范数据）", DateOnly.FromDateTime(Clock.Now(clock).AddDays(-30))), ct));
        }
        var zone = Projections.Zone(DemoZone);
        var today = Projections.LocalDate(Clock.Now(clock), zone);
        DateTimeOffset At(DateOnly day, int hour, int minute = 0) =>
            new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(hour, minute)), zone), TimeSpan.Zero);
        var yesterday = today.AddDays(-1);
        var visit = Must(await mediator.Send(new CreateActivity(community, "敬老院探访", "陪老人聊天、打扫房间", "镇敬老院",
            At(yesterday, 9), At(yesterday, 11, 30), "volunteer_service", Open: true), ct)).Id;
        foreach (var (resident, minutes) in residents.Zip([150, 100, 50]))
        {
            var claim = Must(await mediator.Send(new SubmitHourClaim(community, visit, At(yesterday, 9), At(yesterday, 9).AddMinutes(minutes),
                "签到本（纸质）记录", resident), ct));
            Must(await mediator.Send(new ConfirmHourClaim(community, claim.Id), ct));
        }
        Must(await mediator.Send(new CloseActivity(community, visit), ct));
        Must(await mediator.Send(new CertifyActivity(community, visit), ct));

        var now = Clock.Now(clock);
        var cleanUp = Must(await mediator.Send(new CreateActivity(community, "村道清扫", "清扫主干道落叶和垃圾", "村委会门口集合",
            new DateTimeOffset(now.AddMinutes(-30), TimeSpan.Zero), new DateTimeOffset(now.AddHours(3), TimeSpan.Zero), "volunteer_service", Open: true), ct)).Id;
        foreach (var resident in residents.Take(2))
        {
            Must(await mediator.Send(new RecordAttendance(community, cleanUp, AttendanceActions.CheckIn, ResidentId: resident), ct));
        }
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
