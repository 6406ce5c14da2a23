using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Redemption;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Redemption.RedemptionSetup;

namespace PointsBank.Tests.Features.Redemption;

/// <summary>
/// Vouchers and the counter through the real pipeline: a voucher holds points that are never there twice, a
/// confirmation posts once however many scans race, stock never goes below zero, every refusal has its own code and
/// changes nothing, expiry gives the points back, a return undoes a redemption once.
/// </summary>
public abstract class RedemptionTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;
    private long _c;
    private long _shop;
    private long _account;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _community = await _db.NewCommunityAsync();
        _c = _community.Id;
        _shop = await NewShopAsync(_db, _c);
        _account = await FundedAccountAsync(100);
    }

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private Caller Counter => Shopkeeper(_c, _shop);

    private async Task<long> FundedAccountAsync(long points)
    {
        var (account, _) = await _community.NewHouseholdAccountAsync();
        if (points > 0)
        {
            await _community.PostAsync(_community.Award(account, points));
        }
        return account;
    }

    private async Task<VoucherView> IssueAsync(long account, params (long Product, int Quantity)[] items)
    {
        var issued = await _db.SendAs(Counter, new IssueVoucher(_c, _shop, account, [.. items.Select(i => new OrderItem(i.Product, i.Quantity))]));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        return issued.Value!;
    }

    private Task<Outcome<RedemptionReceipt>> ConfirmAsync(string code, long? shop = null) =>
        _db.SendAs(Shopkeeper(_c, shop ?? _shop), new ConfirmRedemption(_c, shop ?? _shop, code));

    private async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, args ?? new { c = _c });
    }

    private Task<long> OnHandAsync(long product) => CountAsync("SELECT on_hand FROM products WHERE id = @p", new { p = product });

    /// <summary>Everything a refusal must leave alone.</summary>
    private async Task<string> StateAsync() => string.Join(" | ",
        $"tx {await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c")}",
        $"open holds {await CountAsync("SELECT COUNT(*) FROM holds WHERE community_id = @c AND status = 'open'")}",
        $"held {await CountAsync("SELECT COALESCE(SUM(held), 0) FROM balances WHERE community_id = @c")}",
        $"on hand {await CountAsync("SELECT COALESCE(SUM(on_hand), 0) FROM products WHERE community_id = @c")}",
        $"movements {await CountAsync("SELECT COUNT(*) FROM stock_movements WHERE community_id = @c")}",
        $"vouchers {await CountAsync("SELECT COUNT(*) FROM vouchers WHERE community_id = @c")}",
        $"issued {await CountAsync("SELECT COUNT(*) FROM vouchers WHERE community_id = @c AND status = 'issued'")}",
        $"receipts {await CountAsync("SELECT COUNT(*) FROM receipts WHERE community_id = @c")}");

    [Test]
    public async Task Confirm_PostsOnce_CapturesTheHold_MovesStock_AndASecondScanGivesTheSameReceipt()
    {
        var soap = await NewProductAsync(_db, _c, _shop, price: 5, stock: 10, name: "肥皂");
        var oil = await NewProductAsync(_db, _c, _shop, price: 30, stock: 4, name: "食用油");
        var voucher = await IssueAsync(_account, (soap, 2), (oil, 1));
        Assert.That(voucher.Points, Is.EqualTo(40));
        Assert.That(voucher.Code, Does.Match("^V[0-9A-HJKMNP-TV-Z]{12}$"));
        Assert.That(voucher.ExpiresAt, Is.EqualTo(TestDatabase.DefaultNow.UtcDateTime.AddMinutes(15)));
        Assert.That(voucher.IssuedVia, Is.EqualTo("staff"));
        Assert.That((await _community.BalanceAsync(_account)).Available, Is.EqualTo(60));

        var first = await ConfirmAsync(voucher.Code.ToLowerInvariant());
        Assert.That(first.Failure, Is.Null, first.Failure?.Detail);
        var receipt = first.Value!;
        Assert.That(receipt.AlreadyRedeemed, Is.False);
        Assert.That(receipt.ReceiptNo, Is.EqualTo($"R20261115-{_c}-000001"));
        Assert.That(receipt.Points, Is.EqualTo(40));
        Assert.That(receipt.BalanceAfter, Is.EqualTo(60));
        Assert.That(receipt.Items.Select(i => (i.Name, i.Quantity, i.Points)), Is.EquivalentTo(new[] { ("肥皂", 2, 10L), ("食用油", 1, 30L) }));
        var balance = await _community.BalanceAsync(_account);
        Assert.That((balance.Balance, balance.Held), Is.EqualTo((60L, 0L)));
        Assert.That((await OnHandAsync(soap), await OnHandAsync(oil)), Is.EqualTo((8L, 3L)));
        var tx = await _db.Ledger.GetTransactionAsync(_c, receipt.Seq);
        Assert.That(tx!.Explanation, Does.Contain("肥皂×2").And.Contain(receipt.ReceiptNo));

        var before = await StateAsync();
        var second = await ConfirmAsync(voucher.Code);
        Assert.That(second.Value, Is.EqualTo(receipt with { AlreadyRedeemed = true }).Using<RedemptionReceipt>((a, b) =>
            a.ReceiptNo == b.ReceiptNo && a.Seq == b.Seq && a.AlreadyRedeemed == b.AlreadyRedeemed && a.BalanceAfter == b.BalanceAfter));
        Assert.That(await StateAsync(), Is.EqualTo(before));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task TwentyConcurrentConfirmations_OfOneVoucher_PostOnce_AndAllCarryTheSameReceipt()
    {
        var soap = await NewProductAsync(_db, _c, _shop, price: 5, stock: 10);
        var voucher = await IssueAsync(_account, (soap, 1));
        var txBefore = await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ConfirmAsync(voucher.Code))));

        Assert.That(answers.Select(a => a.Failure?.Code), Has.All.Null);
        Assert.That(answers.Count(a => !a.Value!.AlreadyRedeemed), Is.EqualTo(1));
        Assert.That(answers.Select(a => a.Value!.ReceiptNo).Distinct().Count(), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM ledger_transactions WHERE community_id = @c"), Is.EqualTo(txBefore + 1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM receipts WHERE community_id = @c"), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM stock_movements WHERE community_id = @c AND kind = 'redemption'"), Is.EqualTo(1));
        Assert.That(await OnHandAsync(soap), Is.EqualTo(9));
    }

    [Test]
    public async Task SixteenConcurrentVouchers_WithRoomForFive_IssueExactlyFive()
    {
        var account = await FundedAccountAsync(50);
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 100);

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
            _db.SendAs(Counter, new IssueVoucher(_c, _shop, account, [new OrderItem(item, 1)])))));

        Assert.That(answers.Count(a => a.Succeeded), Is.EqualTo(5));
        Assert.That(answers.Where(a => !a.Succeeded).Select(a => a.Failure!.Code), Is.EqualTo(Enumerable.Repeat("insufficient_points", 11)));
        var balance = await _community.BalanceAsync(account);
        Assert.That((balance.Balance, balance.Held, balance.Available), Is.EqualTo((50L, 50L, 0L)));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM vouchers WHERE account_id = @a", new { a = account }), Is.EqualTo(5));
    }

    [Test]
    public async Task ConcurrentConfirmations_ForTheLastThreeItems_RedeemThree_AndStockNeverGoesNegative()
    {
        var last = await NewProductAsync(_db, _c, _shop, price: 10, stock: 3);
        var vouchers = new List<VoucherView>();
        for (var i = 0; i < 8; i++)
        {
            vouchers.Add(await IssueAsync(await FundedAccountAsync(20), (last, 1)));
        }

        var answers = await Task.WhenAll(vouchers.Select(v => Task.Run(() => ConfirmAsync(v.Code))));

        Assert.That(answers.Count(a => a.Succeeded), Is.EqualTo(3));
        Assert.That(answers.Where(a => !a.Succeeded).Select(a => a.Failure!.Code), Has.All.EqualTo("out_of_stock"));
        Assert.That(await OnHandAsync(last), Is.EqualTo(0));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM receipts WHERE community_id = @c"), Is.EqualTo(3));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM vouchers WHERE community_id = @c AND status = 'issued'"), Is.EqualTo(5));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM holds WHERE community_id = @c AND status = 'open'"), Is.EqualTo(5));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    public enum Refused { Expired, Cancelled, OtherShop, Unknown, Malformed, Forged, OutOfStock }

    [TestCase(Refused.Expired, "voucher_expired")]
    [TestCase(Refused.Cancelled, "voucher_cancelled")]
    [TestCase(Refused.OtherShop, "voucher_other_shop")]
    [TestCase(Refused.Unknown, "voucher_not_found")]
    [TestCase(Refused.Malformed, "voucher_code_malformed")]
    [TestCase(Refused.Forged, "voucher_forged")]
    [TestCase(Refused.OutOfStock, "out_of_stock")]
    public async Task EveryConfirmationRefusal_HasItsOwnCode_AndChangesNothing(Refused refused, string code)
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 2);
        var voucher = await IssueAsync(_account, (item, 2));
        var scanned = voucher.Code;
        var shop = _shop;
        switch (refused)
        {
            case Refused.Expired:
                _db.Clock.Advance(TimeSpan.FromMinutes(15));
                break;
            case Refused.Cancelled:
                Assert.That((await _db.SendAs(Counter, new CancelVoucher(_c, voucher.VoucherId))).Failure, Is.Null);
                break;
            case Refused.OtherShop:
                shop = await NewShopAsync(_db, _c);
                break;
            case Refused.Unknown:
                scanned = VoucherCodes.New();
                break;
            case Refused.Malformed:
                scanned = "https://jf.example.cn/c/" + CardSecrets.NewToken();
                break;
            case Refused.Forged:
                scanned = voucher.Code[..^1] + (voucher.Code[^1] == '0' ? '1' : '0');
                break;
            case Refused.OutOfStock:
                await MoveStockAsync(_db, _c, _shop, item, StockKinds.Correction, -1);
                break;
        }
        var before = await StateAsync();

        var answer = await ConfirmAsync(scanned, shop);

        Assert.That(answer.Failure?.Code, Is.EqualTo(code), answer.Failure?.Detail);
        Assert.That(ProblemCatalog.All.ContainsKey(code));
        Assert.That(await StateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task VoucherCodes_TellMalformedFromForged_AndForgiveCase_Spaces_AndLookalikes()
    {
        var code = VoucherCodes.New();
        Assert.That(VoucherCodes.Read(code, out var read), Is.EqualTo(VoucherCodeShape.Valid));
        Assert.That(read, Is.EqualTo(code));
        Assert.That(VoucherCodes.Read(" " + code.ToLowerInvariant().Insert(5, "-") + "\n", out read), Is.EqualTo(VoucherCodeShape.Valid));
        Assert.That(read, Is.EqualTo(code));
        Assert.That(VoucherCodes.Read(code.Replace('1', 'I').Replace('0', 'O'), out _), Is.EqualTo(VoucherCodeShape.Valid));
        var forged = 0;
        foreach (var c in VoucherCodes.Alphabet.Where(c => c != code[5]))
        {
            forged += VoucherCodes.Read(code[..5] + c + code[6..], out _) == VoucherCodeShape.Forged ? 1 : 0;
        }
        Assert.That(forged, Is.GreaterThanOrEqualTo(29), "a one-character typo almost always fails the check");
        foreach (var text in new[] { "", "V", code + "0", code[1..], "X" + code[1..], "https://a/c/x", "V-U0000000000", "12345678" })
        {
            Assert.That(VoucherCodes.Read(text, out _), Is.EqualTo(VoucherCodeShape.Malformed), text);
        }
    }

    public enum BadOrder { InactiveProduct, UnknownProduct, OtherShopsProduct, Empty, BeyondStock, InsufficientPoints, AmountAtSupermarket }

    [TestCase(BadOrder.InactiveProduct, "product_inactive")]
    [TestCase(BadOrder.UnknownProduct, "product_not_found")]
    [TestCase(BadOrder.OtherShopsProduct, "product_not_found")]
    [TestCase(BadOrder.Empty, "order_empty")]
    [TestCase(BadOrder.BeyondStock, "out_of_stock")]
    [TestCase(BadOrder.InsufficientPoints, "insufficient_points")]
    [TestCase(BadOrder.AmountAtSupermarket, "amount_not_accepted")]
    public async Task EveryOrderRefusal_HasItsOwnCode_AndChangesNothing(BadOrder bad, string code)
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var request = bad switch
        {
            BadOrder.InactiveProduct => new IssueVoucher(_c, _shop, _account, [new OrderItem(await NewProductAsync(_db, _c, _shop, 1, 5, active: false), 1)]),
            BadOrder.UnknownProduct => new IssueVoucher(_c, _shop, _account, [new OrderItem(item + 1000, 1)]),
            BadOrder.OtherShopsProduct => new IssueVoucher(_c, _shop, _account,
                [new OrderItem(await NewProductAsync(_db, _c, await NewShopAsync(_db, _c), 1, 5), 1)]),
            BadOrder.Empty => new IssueVoucher(_c, _shop, _account, []),
            BadOrder.BeyondStock => new IssueVoucher(_c, _shop, _account, [new OrderItem(item, 6)]),
            BadOrder.InsufficientPoints => new IssueVoucher(_c, _shop, await FundedAccountAsync(9), [new OrderItem(item, 1)]),
            _ => new IssueVoucher(_c, _shop, _account, Points: 5),
        };
        var before = await StateAsync();

        var answer = await _db.SendAs(Counter, request);

        Assert.That(answer.Failure?.Code, Is.EqualTo(code), answer.Failure?.Detail);
        Assert.That(await StateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task QuantityBelowOne_IsAValidationError_AndChangesNothing()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var before = await StateAsync();

        var refused = Assert.ThrowsAsync<RequestValidationException>(() =>
            _db.SendAs(Counter, new IssueVoucher(_c, _shop, _account, [new OrderItem(item, 0)])));

        Assert.That(refused!.Errors.Select(e => e.Field), Does.Contain("items[0].quantity"));
        Assert.That(await StateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task AnAmountVoucher_AtAPartnerShop_HoldsThatAmount_AndConfirms()
    {
        var partner = await NewShopAsync(_db, _c, "partner");
        var issued = await _db.SendAs(Committee(_c), new IssueVoucher(_c, partner, _account, Points: 25));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);

        var receipt = await ConfirmAsync(issued.Value!.Code, partner);

        Assert.That(receipt.Value!.Points, Is.EqualTo(25));
        Assert.That(receipt.Value.Items, Is.Empty);
        Assert.That((await _community.BalanceAsync(_account)).Balance, Is.EqualTo(75));
    }

    [Test]
    public async Task WrongPins_AreRefused_AndCounted_AndTheFifthLocksTheCard_NothingElseChanges()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var token = await NewCardAsync(_db, _c, _account);
        var before = await StateAsync();
        var codes = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            var answer = await _db.SendAs(Counter, new ConfirmRedemption(_c, _shop, CardToken: token, Pin: "9999", Items: [new OrderItem(item, 1)],
                IdempotencyKey: $"pin-{i}"));
            codes.Add(answer.Failure?.Code);
        }

        Assert.That(codes, Is.EqualTo(new[] { "pin_wrong", "pin_wrong", "pin_wrong", "pin_wrong", "card_locked", "card_locked" }));
        Assert.That(await CountAsync("SELECT pin_failures FROM cards WHERE account_id = @a", new { a = _account }), Is.EqualTo(5));
        Assert.That(await StateAsync(), Is.EqualTo(before));
        var right = await _db.SendAs(Counter, new ConfirmRedemption(_c, _shop, CardToken: token, Pin: "1234", Items: [new OrderItem(item, 1)],
            IdempotencyKey: "pin-right"));
        Assert.That(right.Failure?.Code, Is.EqualTo("card_locked"), "a locked card stays locked even with the right PIN");
        Assert.That(await StateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task TheCounter_SeesWhoseCardItIs_Masked_AndWhetherItCanPay_AndNothingOfARevokedOrForeignCard()
    {
        var code = await HouseholdCodeAsync(_account);
        var issued = await _db.SendAs(Committee(_c), new IssueCard(_c, _account));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        var token = IssuedCards.TokenOf(issued.Value!);
        var cardId = issued.Value!.CardId;

        var noPin = await _db.SendAs(Counter, new GetCounterCard(_c, _shop, token));
        var expected = new CounterCard(cardId, _account, code, "测*民", HasPin: false, Locked: false);
        // The open vouchers are a list (compared by reference in a record): none here, and the rest compared as before.
        Assert.That(noPin.Value!.OpenVouchers, Is.Empty);
        Assert.That(noPin.Value with { OpenVouchers = expected.OpenVouchers }, Is.EqualTo(expected),
            "the door plate and the masked name of the household's head (测试居民), never the full name");

        Assert.That((await _db.SendAs(Committee(_c), new SetCardPin(_c, cardId, "1234"))).Failure, Is.Null);
        Assert.That((await _db.SendAs(Committee(_c), new GetCounterCard(_c, _shop, token))).Value!.HasPin, Is.True);
        for (var i = 0; i < CardSecrets.MaxPinFailures; i++)
        {
            await _db.SendAs(Counter, new ConfirmRedemption(_c, _shop, CardToken: token, Pin: "9999",
                Items: [new OrderItem(await NewProductAsync(_db, _c, _shop, price: 1, stock: 1), 1)], IdempotencyKey: $"lock-{i}"));
        }
        var locked = (await _db.SendAs(Counter, new GetCounterCard(_c, _shop, token))).Value!;
        var lockedExpected = new CounterCard(cardId, _account, code, "测*民", true, true);
        Assert.That(locked with { OpenVouchers = lockedExpected.OpenVouchers }, Is.EqualTo(lockedExpected));

        // Another shop's shopkeeper may not look; a token of nothing, a malformed one and a revoked card are card_not_found.
        var otherShop = await NewShopAsync(_db, _c);
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(Shopkeeper(_c, otherShop), new GetCounterCard(_c, _shop, token)));
        Assert.That((await _db.SendAs(Counter, new GetCounterCard(_c, _shop, CardSecrets.NewToken()))).Failure?.Code, Is.EqualTo("card_not_found"));
        Assert.That((await _db.SendAs(Counter, new GetCounterCard(_c, _shop, "not a token"))).Failure?.Code, Is.EqualTo("card_not_found"));
        Assert.That((await _db.SendAs(Committee(_c), new RevokeCard(_c, cardId, "挂失"))).Failure, Is.Null);
        Assert.That((await _db.SendAs(Counter, new GetCounterCard(_c, _shop, token))).Failure?.Code, Is.EqualTo("card_not_found"));
    }

    [Test]
    public async Task TheCardsOpenVouchers_ReachTheCounterAndTheCardPages_NotRedeemedCancelledExpiredOrAnothersOnes()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 10);
        var token = await NewCardAsync(_db, _c, _account);
        var first = await IssueAsync(_account, (item, 1));
        var second = await IssueAsync(_account, (item, 2));
        var cancelled = await IssueAsync(_account, (item, 1));
        Assert.That((await _db.SendAs(Counter, new CancelVoucher(_c, cancelled.VoucherId))).Failure, Is.Null);
        await IssueAsync(await FundedAccountAsync(20), (item, 1));

        async Task<(long[] Counter, long[] Card, long Held)> OpenAsync()
        {
            var atCounter = (await _db.SendAs(Counter, new GetCounterCard(_c, _shop, token))).Value!;
            var onCard = (await _db.SendAs(Caller.Anonymous, new GetOrderCatalog(_c, null, token))).Value!;
            return ([.. atCounter.OpenVouchers.Select(v => v.VoucherId)], [.. onCard.OpenVouchers.Select(v => v.VoucherId)], onCard.OpenVoucherPoints);
        }

        Assert.That(await OpenAsync(), Is.EqualTo((new[] { first.VoucherId, second.VoucherId }, new[] { first.VoucherId, second.VoucherId }, 30L)));
        var catalog = (await _db.SendAs(Caller.Anonymous, new GetOrderCatalog(_c, null, token))).Value!;
        Assert.That((catalog.CardHasPin, catalog.CardLocked, catalog.Available), Is.EqualTo(((bool?)true, (bool?)false, (long?)70)));
        var shown = catalog.OpenVouchers[1];
        Assert.That((shown.Code, shown.Points, shown.Items.Single().Quantity, shown.ExpiresAt), Is.EqualTo((second.Code, 20L, 2L, second.ExpiresAt)));
        Assert.That((await _db.SendAs(Counter, new GetOrderCatalog(_c, _shop))).Value!.OpenVouchers, Is.Empty, "no card, no vouchers");

        Assert.That((await ConfirmAsync(first.Code)).Failure, Is.Null);
        Assert.That(await OpenAsync(), Is.EqualTo((new[] { second.VoucherId }, new[] { second.VoucherId }, 20L)));

        // Past its expiry a voucher is no longer offered, even before the expiry job marks it.
        _db.Clock.Advance(second.ExpiresAt - _db.Clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(1));
        Assert.That(await OpenAsync(), Is.EqualTo((Array.Empty<long>(), Array.Empty<long>(), 0L)));
    }

    private async Task<string> HouseholdCodeAsync(long account)
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(
            "SELECT h.code FROM accounts a JOIN households h ON h.id = a.household_id WHERE a.id = @account", new { account }) ?? "";
    }

    [Test]
    public async Task CardAndPin_AtTheCounter_IssuesAndConfirmsInOneUnit_AndAReplayOfTheKeyPostsNothing()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var token = await NewCardAsync(_db, _c, _account);
        var request = new ConfirmRedemption(_c, _shop, CardToken: token, Pin: "1234", Items: [new OrderItem(item, 3)], IdempotencyKey: "counter-1");

        var first = await _db.SendAs(Counter, request);
        Assert.That(first.Failure, Is.Null, first.Failure?.Detail);
        Assert.That(first.Value!.Points, Is.EqualTo(30));
        Assert.That(first.Value.BalanceAfter, Is.EqualTo(70));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM vouchers WHERE issued_via = 'counter_pin' AND status = 'redeemed' AND community_id = @c"), Is.EqualTo(1));
        var before = await StateAsync();

        var replay = await _db.SendAs(Counter, request);

        Assert.That(replay.Value!.ReceiptNo, Is.EqualTo(first.Value.ReceiptNo));
        Assert.That(replay.Value.AlreadyRedeemed, Is.True);
        Assert.That(await StateAsync(), Is.EqualTo(before));
        Assert.That(await OnHandAsync(item), Is.EqualTo(2));
    }

    [Test]
    public async Task TheResidentsCard_WithItsPin_IssuesAVoucher_ForItsOwnAccount_AndCancelsIt()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var token = await NewCardAsync(_db, _c, _account);

        var issued = await _db.SendAs(Caller.Anonymous, new IssueVoucher(_c, _shop, Items: [new OrderItem(item, 2)], CardToken: token, Pin: "1234"));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        Assert.That((issued.Value!.AccountId, issued.Value.IssuedVia), Is.EqualTo((_account, "card_pin")));
        Assert.That((await _community.BalanceAsync(_account)).Available, Is.EqualTo(80));

        Assert.ThrowsAsync<NotAuthenticatedException>(() => _db.SendAs(Caller.Anonymous,
            new IssueVoucher(_c, _shop, Items: [new OrderItem(item, 2)], CardToken: CardSecrets.NewToken(), Pin: "1234")));
        var cancelled = await _db.SendAs(Caller.Anonymous, new CancelVoucher(_c, issued.Value.VoucherId, token));
        Assert.That(cancelled.Value!.Status, Is.EqualTo("cancelled"));
        Assert.That((await _community.BalanceAsync(_account)).Available, Is.EqualTo(100));
        var again = await _db.SendAs(Caller.Anonymous, new CancelVoucher(_c, issued.Value.VoucherId, token));
        Assert.That(again.Failure?.Code, Is.EqualTo("voucher_not_open"));
    }

    [Test]
    public async Task AnotherCard_CannotCancelSomeoneElsesVoucher()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var voucher = await IssueAsync(_account, (item, 1));
        var otherToken = await NewCardAsync(_db, _c, await FundedAccountAsync(0));
        var before = await StateAsync();

        var answer = await _db.SendAs(Caller.Anonymous, new CancelVoucher(_c, voucher.VoucherId, otherToken));

        Assert.That(answer.Failure?.Code, Is.EqualTo("voucher_not_found"));
        Assert.That(await StateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task AuditRows_OfCardAndCounterRequests_NameTheCardVoucherAndReceipt_FromTheRoute_ButNeverThePinOrToken()
    {
        // Only the audit rows written from here on: a shared SQL Server holds other tests' rows, whose ids may hold "8642".
        var auditBefore = await CountAsync("SELECT COALESCE(MAX(id), 0) FROM audit_log");
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var token = await NewCardAsync(_db, _c, _account, pin: "8642");
        var cardId = await CountAsync("SELECT id FROM cards WHERE account_id = @a AND status = 'active'", new { a = _account });
        var voucher = (await _db.SendAs(Caller.Anonymous, new IssueVoucher(_c, _shop, Items: [new OrderItem(item, 1)], CardToken: token, Pin: "8642"))).Value!;
        Assert.That((await _db.SendAs(Caller.Anonymous, new CancelVoucher(_c, voucher.VoucherId, token))).Failure, Is.Null);
        var receipt = (await ConfirmAsync((await IssueAsync(_account, (item, 1))).Code)).Value!;
        Assert.That((await _db.SendAs(Counter, new ReturnRedemption(_c, receipt.ReceiptNo, "不要了"))).Failure, Is.Null);
        Assert.That((await _db.SendAs(Committee(_c), new UnlockCard(_c, cardId, "测试"))).Failure, Is.Null);

        async Task<string> TargetAsync(string action)
        {
            await using var connection = await _db.Db.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<string>("SELECT target FROM audit_log WHERE community_id = @c AND action = @action ORDER BY id DESC",
                new { c = _c, action }) ?? "";
        }

        Assert.That(await TargetAsync(nameof(SetCardPin)), Does.Contain($"\"CardId\":{cardId}").And.Not.Contain("8642"));
        Assert.That(await TargetAsync(nameof(UnlockCard)), Does.Contain($"\"CardId\":{cardId}").And.Contain("测试"));
        Assert.That(await TargetAsync(nameof(IssueCard)), Does.Contain($"\"AccountId\":{_account}"));
        Assert.That(await TargetAsync(nameof(CancelVoucher)), Does.Contain($"\"VoucherId\":{voucher.VoucherId}").And.Not.Contain(token));
        Assert.That(await TargetAsync(nameof(IssueVoucher)), Does.Not.Contain(token).And.Not.Contain("8642"));
        Assert.That(await TargetAsync(nameof(ReturnRedemption)), Does.Contain($"\"ReceiptNo\":\"{receipt.ReceiptNo}\""));
        await using var all = await _db.Db.OpenConnectionAsync();
        var everything = string.Join("\n", await all.QueryAsync<string?>(
            "SELECT target FROM audit_log WHERE id > @before UNION ALL SELECT detail FROM audit_log WHERE id > @before", new { before = auditBefore }));
        Assert.That(everything, Does.Contain($"\"VoucherId\":{voucher.VoucherId}"), "the rows written here are read");
        Assert.That(everything, Does.Not.Contain(token).And.Not.Contain("8642"));
    }

    private IJob ExpireJob => _db.Services.GetServices<IJob>().Single(j => j.Name == "expire-vouchers");

    [Test]
    public async Task TheExpiryJob_ReleasesAnExpiredVouchersHold_Once_HoweverManyRunnersThereAre()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var expiring = await IssueAsync(_account, (item, 3));
        _db.Clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await IssueAsync(_account, (item, 1));
        Assert.That((await _community.BalanceAsync(_account)).Available, Is.EqualTo(60));
        Assert.That(await JobRegistry.RunOnceAsync(_db.Services, ExpireJob, default), Is.EqualTo(0));

        _db.Clock.Advance(TimeSpan.FromMinutes(5));
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => JobRegistry.RunOnceAsync(_db.Services, ExpireJob, default))));
        var again = await JobRegistry.RunOnceAsync(_db.Services, ExpireJob, default);

        Assert.That(runs.Sum() + again, Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM vouchers WHERE id = @v AND status = 'expired'", new { v = expiring.VoucherId }), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM vouchers WHERE id = @v AND status = 'issued'", new { v = fresh.VoucherId }), Is.EqualTo(1));
        var balance = await _community.BalanceAsync(_account);
        Assert.That((balance.Balance, balance.Held, balance.Available), Is.EqualTo((100L, 10L, 90L)));
        Assert.That((await ConfirmAsync(expiring.Code)).Failure?.Code, Is.EqualTo("voucher_expired"));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task TheExpiryJob_AfterTheHoldsJobReleasedTheHold_StillExpiresTheVoucher()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var voucher = await IssueAsync(_account, (item, 1));
        _db.Clock.Advance(TimeSpan.FromMinutes(16));
        var holdsJob = _db.Services.GetServices<IJob>().Single(j => j.Name == "release-expired-holds");
        Assert.That(await JobRegistry.RunOnceAsync(_db.Services, holdsJob, default), Is.EqualTo(1));

        Assert.That(await JobRegistry.RunOnceAsync(_db.Services, ExpireJob, default), Is.EqualTo(1));

        Assert.That(await CountAsync("SELECT COUNT(*) FROM vouchers WHERE id = @v AND status = 'expired'", new { v = voucher.VoucherId }), Is.EqualTo(1));
        Assert.That((await _community.BalanceAsync(_account)).Available, Is.EqualTo(100));
    }

    [Test]
    public async Task AReturn_GivesThePointsAndTheGoodsBack_Once()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var receipt = (await ConfirmAsync((await IssueAsync(_account, (item, 2))).Code)).Value!;
        Assert.That((await _community.BalanceAsync(_account)).Balance, Is.EqualTo(80));

        var returned = await _db.SendAs(Counter, new ReturnRedemption(_c, receipt.ReceiptNo, "包装破损"));

        Assert.That(returned.Failure, Is.Null, returned.Failure?.Detail);
        Assert.That(returned.Value!.ReturnedSeq, Is.Not.Null);
        Assert.That(returned.Value.ReturnReason, Is.EqualTo("包装破损"));
        Assert.That((await _community.BalanceAsync(_account)).Balance, Is.EqualTo(100));
        Assert.That(await OnHandAsync(item), Is.EqualTo(5));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM stock_movements WHERE community_id = @c AND kind = 'return' AND receipt_no = @r", new { c = _c, r = receipt.ReceiptNo }), Is.EqualTo(1));
        var before = await StateAsync();

        var second = await _db.SendAs(Counter, new ReturnRedemption(_c, receipt.ReceiptNo, "再退一次"));

        Assert.That(second.Failure?.Code, Is.EqualTo("already_returned"));
        Assert.That(await StateAsync(), Is.EqualTo(before));
        Assert.That((await _db.SendAs(Counter, new ReturnRedemption(_c, "R20261115-1-999999", "无此票"))).Failure?.Code, Is.EqualTo("receipt_not_found"));
        var otherShopkeeper = Shopkeeper(_c, await NewShopAsync(_db, _c));
        Assert.That((await _db.SendAs(otherShopkeeper, new GetReceipt(_c, receipt.ReceiptNo))).Failure?.Code, Is.EqualTo("receipt_other_shop"));
        Assert.That((await _db.VerifyOwnAsync()).Intact, Is.True);
    }

    [Test]
    public async Task TheVoucherQr_DecodesWithZbarimg_ToExactlyTheCode()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5);
        var voucher = await IssueAsync(_account, (item, 1));
        Assert.That(voucher.QrPng, Does.StartWith("data:image/png;base64,"));
        var file = Path.Combine(Path.GetTempPath(), $"voucher-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(voucher.QrPng["data:image/png;base64,".Length..]));
        try
        {
            using var zbar = Process.Start(new ProcessStartInfo("zbarimg", ["--quiet", "--raw", file]) { RedirectStandardOutput = true })!;
            var decoded = (await zbar.StandardOutput.ReadToEndAsync()).TrimEnd('\n');
            await zbar.WaitForExitAsync();
            Assert.That(decoded, Is.EqualTo(voucher.Code));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task ThePreview_ShowsTheOrder_AndAfterConfirmingTheReceiptNumber()
    {
        var item = await NewProductAsync(_db, _c, _shop, price: 10, stock: 5, name: "挂面");
        var voucher = await IssueAsync(_account, (item, 2));

        var preview = (await _db.SendAs(Counter, new PreviewVoucher(_c, voucher.Code, _shop))).Value!;
        Assert.That((preview.Points, preview.BalanceAfter, preview.Available, preview.Status), Is.EqualTo((20L, 80L, 80L, "issued")));
        Assert.That(preview.MaskedName, Does.Contain("测*民"));
        Assert.That(preview.Items.Single().Name, Is.EqualTo("挂面"));

        var receipt = (await ConfirmAsync(voucher.Code)).Value!;
        var after = (await _db.SendAs(Counter, new PreviewVoucher(_c, voucher.Code, _shop))).Value!;
        Assert.That((after.Status, after.ReceiptNo, after.BalanceAfter), Is.EqualTo(("redeemed", receipt.ReceiptNo, 80L)));
        Assert.That((await _db.SendAs(Counter, new PreviewVoucher(_c, "garbage", _shop))).Failure?.Code, Is.EqualTo("voucher_code_malformed"));
    }
}

[TestFixture]
public sealed class SqliteRedemptionTests() : RedemptionTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRedemptionTests() : RedemptionTests(DatabaseProvider.SqlServer);
