using System.Data.Common;
using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Redemption;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 柜台兑换 in a real browser: the demo shopkeeper's scanner types a voucher code and Enter into the focused field, the
/// order shows, 确认兑换 gives the printable receipt; scanning the same voucher again shows 已兑换 with the same receipt
/// number. The page fits a phone.
/// </summary>
public abstract class CounterPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task<T> AsOperatorAsync<T>(IRequest<T> request)
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("browser-test");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>A household with 50 points, a product of the demo shop in stock, and a voucher for two of it.</summary>
    private async Task<(long Shop, VoucherView Voucher)> VoucherAsync()
    {
        long community, shop;
        await using (var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync())
        {
            community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
            shop = await connection.ExecuteScalarAsync<long>(
                "SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.community_id = @community AND u.username = 'shopkeeper'", new { community });
        }
        // The shelf is stocked through the shops slice, as the shop's own pages do.
        var added = await AsOperatorAsync(new AddProduct(community, shop, $"洗衣粉{Guid.NewGuid():N}"[..7], 6, "袋"));
        Assert.That(added.Failure, Is.Null, added.Failure?.Detail);
        var product = added.Value!.Id;
        var restocked = await AsOperatorAsync(new RecordStockMovement(community, shop, product, StockKinds.Restock, 20));
        Assert.That(restocked.Failure, Is.Null, restocked.Failure?.Detail);
        var household = (await AsOperatorAsync(new AddHousehold(community, null, $"柜台-{Guid.NewGuid():N}"[..8]))).Value!.HouseholdId;
        await AsOperatorAsync(new AddResident(community, household, "李桂兰", "13912345678"));
        var account = (await AsOperatorAsync(new OpenAccount(community, "household", household))).Value!.AccountId;
        var ledger = App.Services.GetRequiredService<PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community, SystemAccount.Issuance))!.Value;
        Assert.That((await ledger.PostAsync(new LedgerEntry(community, TransactionKind.Award, Categories.GoodDeed, $"counter-{Guid.NewGuid():N}",
            "柜台测试", "cli:browser-test", [new PostingLine(issuance, -50), new PostingLine(account, 50)]))).Succeeded, Is.True);
        var voucher = await AsOperatorAsync(new IssueVoucher(community, shop, account, [new OrderItem(product, 2)]));
        Assert.That(voucher.Failure, Is.Null, voucher.Failure?.Detail);
        return (shop, voucher.Value!);
    }

    private async Task ScanAsync(string code)
    {
        var field = Page.Locator("[data-scan]");
        await Assertions.Expect(field).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(code);
        await Page.Keyboard.PressAsync("Enter");
        await Page.WaitForLoadStateAsync();
    }

    [Test]
    public async Task TheShopkeeper_ScansAVoucher_Confirms_GetsTheReceipt_AndASecondScanShowsAlreadyRedeemedWithTheSameReceipt()
    {
        var (_, voucher) = await VoucherAsync();
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=shopkeeper] a", new() { HasText = "柜台兑换" }));
        Assert.That(CurrentPath, Is.EqualTo("/counter"));

        await ScanAsync(voucher.Code);
        await Assertions.Expect(Page.Locator("[data-testid=preview]")).ToBeVisibleAsync();
        Assert.That(await Page.Locator("[data-testid=points]").InnerTextAsync(), Is.EqualTo("12"));
        Assert.That(await Page.Locator("[data-testid=balance-after]").InnerTextAsync(), Is.EqualTo("38"));
        Assert.That(await Page.Locator("[data-testid=preview]").InnerTextAsync(), Does.Contain("李*兰").And.Not.Contain("李桂兰"));
        await ScreenshotAsync("counter-preview");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=confirm]"));
        Assert.That(CurrentPath, Does.StartWith("/counter/receipts/"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToHaveTextAsync("兑换成功");
        var receiptNo = await Page.Locator("[data-testid=receipt-no]").InnerTextAsync();
        Assert.That(receiptNo, Does.Match(@"^R\d{8}-\d+-\d{6}$"));
        Assert.That(await Page.Locator("[data-testid=receipt]").InnerTextAsync(), Does.Contain("示范村积分超市").And.Contain("12").And.Contain("38"));
        await ScreenshotAsync("counter-receipt");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=next]"));
        await ScanAsync(voucher.Code.ToLowerInvariant());
        await Assertions.Expect(Page.Locator("[data-testid=already-redeemed]")).ToHaveTextAsync("已兑换");
        Assert.That(await Page.Locator("[data-testid=receipt-link]").InnerTextAsync(), Is.EqualTo(receiptNo));
        Assert.That(await Page.Locator("[data-testid=confirm]").CountAsync(), Is.EqualTo(0));
        Assert.That(await Page.Locator("[data-testid=do-not-hand-out]").InnerTextAsync(), Does.Contain("请不要再给"));
        await ScreenshotAsync("counter-already-redeemed");

        await ScanAsync("https://example.cn/not-a-voucher");
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToHaveTextAsync("这不是兑换券的码，请重新扫描");
        await ScanAsync(voucher.Code[..^1] + (voucher.Code[^1] == '0' ? '1' : '0'));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToContainTextAsync("校验不通过");

        await Page.SetViewportSizeAsync(390, 844);
        await ScanAsync(voucher.Code);
        await Assertions.Expect(Page.Locator("[data-testid=already-redeemed]")).ToBeVisibleAsync();
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("counter-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task TheCameraButton_IsNotShown_WhereTheBrowserCannotReadQrCodes()
    {
        // Headless Chromium on Linux, like desktop Chrome on Windows and Safari on an iPhone, has no BarcodeDetector: the
        // button would do nothing there, so it must stay hidden (the site's .button display once overrode [hidden]).
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync("/counter");

        Assert.That(await Page.EvaluateAsync<bool>("() => 'BarcodeDetector' in window"), Is.False, "this Chromium reads no QR codes itself");
        await Assertions.Expect(Page.Locator("[data-camera]")).ToBeHiddenAsync();
        await Assertions.Expect(Page.Locator("[data-testid=camera-message]")).ToBeHiddenAsync();
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task TheCameraButton_WhenNoCameraOpens_SaysSoInThePage_AndLeavesTheFieldToType()
    {
        // A browser that reads QR codes (as Chrome on Android does): the detector is stood in for, the camera is real —
        // headless Chromium has none, so getUserMedia is refused (NotFoundError), as on a counter without a camera or
        // when the shopkeeper taps "don't allow".
        await Page.AddInitScriptAsync("window.BarcodeDetector = class { detect() { return Promise.resolve([]); } };");
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync("/counter");
        var camera = Page.Locator("[data-camera]");
        var message = Page.Locator("[data-testid=camera-message]");
        await Assertions.Expect(camera).ToBeVisibleAsync();
        await Assertions.Expect(message).ToBeHiddenAsync();
        Assert.That(await Page.EvaluateAsync<string>("() => navigator.mediaDevices.getUserMedia({ video: true }).then(() => 'opened', e => e.name)"),
            Is.EqualTo("NotFoundError"), "no camera in headless Chromium");

        await camera.ClickAsync();

        await Assertions.Expect(message).ToBeVisibleAsync();
        await Assertions.Expect(message).ToHaveTextAsync("无法打开摄像头（没有摄像头，或没有允许使用），请用扫码枪或手动输入券码");
        await Assertions.Expect(camera).ToBeHiddenAsync();
        await Assertions.Expect(Page.Locator("[data-scan]")).ToBeFocusedAsync();
        Assert.That(await message.BoundingBoxAsync() is { } box && box.X >= 0 && box.X + box.Width <= 390, "the message is on screen at 390 px");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("counter-camera-unavailable-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task TheShopkeeper_OrdersForAResident_AndTheVoucherQrShowsBig()
    {
        var (_, voucher) = await VoucherAsync();
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync($"/counter/order?shopId={voucher.ShopId}&accountId={voucher.AccountId}");
        await Page.Locator($"#qty-{voucher.Items[0].ProductId}").FillAsync("1");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=issue]"));

        await Assertions.Expect(Page.Locator("[data-testid=voucher-qr]")).ToBeVisibleAsync();
        Assert.That(await Page.Locator("[data-testid=voucher-code]").InnerTextAsync(), Does.Match("^V[0-9A-Z]{12}$"));
        await ScreenshotAsync("counter-staff-order-voucher");
        Assert.That(ConsoleErrors, Is.Empty);
    }
    /// <summary>A card issued and its PIN set (1234) through the cards slice's requests; returns its token.</summary>
    private async Task<string> CardAsync(long community, long account)
    {
        var issued = await AsOperatorAsync(new PointsBank.Features.Cards.IssueCard(community, account));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        var pin = await AsOperatorAsync(new PointsBank.Features.Cards.SetCardPin(community, issued.Value!.CardId, "1234"));
        Assert.That(pin.Failure, Is.Null, pin.Failure?.Detail);
        return IssuedCards.TokenOf(issued.Value!);
    }

    [Test]
    public async Task AScannedCard_GoesToCardAndPin_AWrongPinIsRefused_AndTheRightOneGivesTheReceipt()
    {
        var (_, voucher) = await VoucherAsync();
        var token = await CardAsync(await DemoCommunityAsync(), voucher.AccountId);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync("/counter");

        await ScanAsync($"https://jf.example.cn/c/{token}");
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/counter/card");
        // Whose card it is, above the goods: the door plate, the masked name (as on the voucher) and the points available
        // (50 less the 12 the open voucher holds); never the full name.
        await Page.SetViewportSizeAsync(390, 844);
        Assert.That(await Page.Locator("[data-testid=household-code]").InnerTextAsync(), Is.EqualTo(voucher.MaskedName.Split(' ')[0]));
        Assert.That(await Page.Locator("[data-testid=masked-name]").InnerTextAsync(), Is.EqualTo("李*兰"));
        Assert.That(await Page.Locator("[data-testid=available]").InnerTextAsync(), Is.EqualTo("38"));
        Assert.That(await Page.Locator("[data-testid=card-holder] ~ form[data-testid=card-order] [data-testid=confirm]").CountAsync(), Is.EqualTo(1), "the holder shows above the order form");
        Assert.That(await Page.ContentAsync(), Does.Not.Contain("李桂兰").And.Not.Contain("13912345678"));
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("counter-card-holder-phone");
        await Page.SetViewportSizeAsync(1280, 800);
        await Page.Locator($"#qty-{voucher.Items[0].ProductId}").FillAsync("1");
        await Page.Locator("#pin").FillAsync("9999");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=confirm]"));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToHaveTextAsync("密码不对，还可以再试 4 次");
        Assert.That(await Page.Locator($"#qty-{voucher.Items[0].ProductId}").InputValueAsync(), Is.EqualTo("1"), "the picked quantity survives a wrong PIN");
        Assert.That(await Page.Locator("#pin").InputValueAsync(), Is.Empty);
        await ScreenshotAsync("counter-card-wrong-pin");

        await Page.Locator("#pin").FillAsync("1234");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=confirm]"));
        Assert.That(CurrentPath, Does.StartWith("/counter/receipts/"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToHaveTextAsync("兑换成功");
        await ScreenshotAsync("counter-card-receipt");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task ACardWithoutAPin_OrLocked_SaysSoAtTheTop_WithWhoseCardItIs_AndOffersNoOrderForm()
    {
        var (_, voucher) = await VoucherAsync();
        var issued = await AsOperatorAsync(new PointsBank.Features.Cards.IssueCard(await DemoCommunityAsync(), voucher.AccountId));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        var token = IssuedCards.TokenOf(issued.Value!);
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        // Where a scanned card lands (the scan itself is the test above's).
        await Page.GotoAsync($"/counter/card?token={token}");
        await Assertions.Expect(Page.Locator("[data-testid=cannot-pay]")).ToHaveTextAsync(
            "这张卡还没有设置密码，不能刷卡兑换。请居民带卡到村（居）委会设置密码（设好后也能用手机扫卡下单）。");
        Assert.That(await Page.Locator("h1 + [data-testid=cannot-pay] + [data-testid=card-holder]").CountAsync(), Is.EqualTo(1),
            "the notice comes first, then whose card it is");
        Assert.That(await Page.Locator("[data-testid=masked-name]").InnerTextAsync(), Is.EqualTo("李*兰"));
        Assert.That(await Page.Locator("[data-testid=household-code]").InnerTextAsync(), Is.EqualTo(voucher.MaskedName.Split(' ')[0]));
        Assert.That(await Page.Locator("[data-testid=available]").InnerTextAsync(), Is.EqualTo("38"));
        Assert.That(await NoOrderFormAsync(), Is.EqualTo((0, 0, 0, 0)), "no order form that could only be refused");
        Assert.That(await Page.Locator("[data-testid=back]").GetAttributeAsync("href"), Does.StartWith("/counter?shopId="));
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("counter-card-no-pin-phone");

        // With a PIN the form is there; five wrong PINs lock the card, and the page then says that instead.
        var community = await DemoCommunityAsync();
        Assert.That((await AsOperatorAsync(new PointsBank.Features.Cards.SetCardPin(community, issued.Value!.CardId, "1234"))).Failure, Is.Null);
        await Page.ReloadAsync();
        Assert.That(await Page.Locator("[data-testid=cannot-pay]").CountAsync(), Is.EqualTo(0));
        Assert.That(await Page.Locator("[data-testid=card-holder] ~ form[data-testid=card-order] #pin").CountAsync(), Is.EqualTo(1));
        for (var i = 0; i < PointsBank.Features.Cards.CardSecrets.MaxPinFailures; i++)
        {
            await AsOperatorAsync(new ConfirmRedemption(community, voucher.ShopId, CardToken: token, Pin: "9999",
                Items: [new OrderItem(voucher.Items[0].ProductId, 1)], IdempotencyKey: $"lock-{Guid.NewGuid():N}"));
        }
        await Page.ReloadAsync();
        await Assertions.Expect(Page.Locator("[data-testid=cannot-pay]")).ToContainTextAsync("已锁定");
        Assert.That(await NoOrderFormAsync(), Is.EqualTo((0, 0, 0, 0)));
        Assert.That(ConsoleErrors, Is.Empty);
    }

    private async Task<(int Forms, int Pins, int Confirms, int Quantities)> NoOrderFormAsync() =>
        // A waiting voucher's own confirm form needs no PIN and stays; it is not an order form.
        (await Page.Locator("main form:not(.confirm-form)").CountAsync(), await Page.Locator("#pin").CountAsync(),
            await Page.Locator("[data-testid=confirm]").CountAsync(), await Page.Locator("main input[id^=qty-]").CountAsync());

    [Test]
    public async Task TheResident_OrdersOnTheirPhone_WithThePin_SeesTheVoucherQr_AndCancelsIt()
    {
        var (_, voucher) = await VoucherAsync();
        var token = await CardAsync(await DemoCommunityAsync(), voucher.AccountId);
        await Page.SetViewportSizeAsync(390, 844);

        // The card page: balance, held, available and the history, the name masked, no full name or phone in the HTML.
        await Page.GotoAsync($"/c/{token}");
        Assert.That(await Page.Locator("[data-testid=masked-name]").InnerTextAsync(), Does.StartWith("李*兰"));
        Assert.That((await Page.Locator("[data-testid=balance]").InnerTextAsync(), await Page.Locator("[data-testid=held]").InnerTextAsync(),
            await Page.Locator("[data-testid=available]").InnerTextAsync()), Is.EqualTo(("50", "12", "38")));
        Assert.That(await Page.Locator("[data-testid=entries]").InnerTextAsync(), Does.Contain("柜台测试").And.Contain("50"));
        Assert.That(await Page.ContentAsync(), Does.Not.Contain("李桂兰").And.Not.Contain("13912345678").And.Not.Contain("5678"));
        await ScreenshotAsync("resident-card-page");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=order-link]"));
        Assert.That(CurrentPath, Is.EqualTo($"/c/{token}/order"));

        await Page.Locator($"#qty-{voucher.Items[0].ProductId}").FillAsync("2");
        await Page.Locator("#pin").FillAsync("4321");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=order]"));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToHaveTextAsync("密码不对，还可以再试 4 次");
        Assert.That(await Page.Locator($"#qty-{voucher.Items[0].ProductId}").InputValueAsync(), Is.EqualTo("2"), "the picked quantity survives a wrong PIN");
        await ScreenshotAsync("resident-order-wrong-pin");

        await Page.Locator("#pin").FillAsync("1234");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=order]"));

        await Assertions.Expect(Page.Locator("[data-testid=voucher-qr]")).ToBeVisibleAsync();
        Assert.That(await Page.Locator("[data-testid=voucher-code]").InnerTextAsync(), Does.Match("^V[0-9A-Z]{12}$"));
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("resident-order-voucher");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=cancel]"));
        await Assertions.Expect(Page.Locator("p.notice")).ToContainTextAsync("已取消");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    private async Task<string> VoucherStatusAsync(long voucherId)
    {
        await using var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM vouchers WHERE id = @voucherId", new { voucherId }) ?? "";
    }

    [Test]
    public async Task AVoucherLeftBehind_ShowsOnTheCardPage_WithItsQrAndCode_AndTheResidentCancelsItThere()
    {
        var (_, voucher) = await VoucherAsync();
        var token = await CardAsync(await DemoCommunityAsync(), voucher.AccountId);
        await Page.SetViewportSizeAsync(390, 844);

        // The resident left the voucher's page; the card page still shows it, with what the counter needs.
        await Page.GotoAsync($"/c/{token}");
        var open = Page.Locator("[data-testid=open-voucher]");
        Assert.That(await open.CountAsync(), Is.EqualTo(1));
        Assert.That(await open.Locator("[data-testid=voucher-code]").InnerTextAsync(), Is.EqualTo(voucher.Code));
        await Assertions.Expect(open.Locator("[data-testid=voucher-qr]")).ToBeVisibleAsync();
        Assert.That(await open.InnerTextAsync(), Does.Contain("共 12 分").And.Contain($"{voucher.Items[0].Name} × 2").And.Contain("前到柜台出示此码"));
        Assert.That(await Page.Locator("[data-testid=open-vouchers] h2").InnerTextAsync(), Is.EqualTo("待领取的兑换券（1 张，冻结 12 分）"));
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("resident-card-open-voucher");

        await ClickAndWaitForPageAsync(open.Locator("[data-testid=cancel-open]"));
        Assert.That(CurrentPath, Is.EqualTo($"/c/{token}"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToHaveTextAsync("兑换券已取消，积分已退回。");
        Assert.That(await Page.Locator("[data-testid=open-voucher]").CountAsync(), Is.EqualTo(0));
        Assert.That((await Page.Locator("[data-testid=held]").InnerTextAsync(), await Page.Locator("[data-testid=available]").InnerTextAsync()),
            Is.EqualTo(("0", "50")));
        Assert.That(await VoucherStatusAsync(voucher.VoucherId), Is.EqualTo(VoucherStatus.Cancelled));
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task AScannedCard_ShowsItsWaitingVoucher_AndTheShopkeeperConfirmsIt_WithoutThePhone()
    {
        var (_, voucher) = await VoucherAsync();
        var token = await CardAsync(await DemoCommunityAsync(), voucher.AccountId);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync("/counter");
        await ScanAsync($"https://jf.example.cn/c/{token}");
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/counter/card");

        await Page.SetViewportSizeAsync(390, 844);
        Assert.That(await Page.Locator("[data-testid=held-by-vouchers]").InnerTextAsync(), Is.EqualTo("另有 12 分被未领取的兑换券冻结"));
        var waiting = Page.Locator("[data-testid=waiting-voucher]");
        Assert.That(await waiting.CountAsync(), Is.EqualTo(1));
        Assert.That(await waiting.InnerTextAsync(), Does.Contain(voucher.Code).And.Contain("共 12 分").And.Contain($"{voucher.Items[0].Name} × 2 袋"));
        Assert.That(await Page.Locator("[data-testid=waiting-vouchers] h2").InnerTextAsync(), Is.EqualTo("这张卡有 1 张兑换券等待领取"));
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("counter-card-waiting-voucher");

        await ClickAndWaitForPageAsync(waiting.Locator("[data-testid=confirm-voucher]"));
        Assert.That(CurrentPath, Does.StartWith("/counter/receipts/"));
        await Assertions.Expect(Page.Locator("[data-testid=done]")).ToHaveTextAsync("兑换成功");
        Assert.That(await VoucherStatusAsync(voucher.VoucherId), Is.EqualTo(VoucherStatus.Redeemed));
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task AnOrderRefusedForPoints_SaysHowManyTheOpenVouchersHold_OnThePhoneAndAtTheCounter()
    {
        var (_, voucher) = await VoucherAsync();
        var product = voucher.Items[0].ProductId;
        var token = await CardAsync(await DemoCommunityAsync(), voucher.AccountId);
        await Page.SetViewportSizeAsync(390, 844);

        // 50 points, 12 held by the open voucher: seven bags (42) are more than the 38 available.
        await Page.GotoAsync($"/c/{token}/order");
        Assert.That(await Page.Locator($"li.good:has(#qty-{product}) .good-stock").InnerTextAsync(), Is.EqualTo("库存 20 袋"), "the stock says its unit");
        Assert.That(await Page.Locator("[data-testid=open-voucher] [data-testid=voucher-code]").InnerTextAsync(), Is.EqualTo(voucher.Code));
        await Page.Locator($"#qty-{product}").FillAsync("7");
        await Page.Locator("#pin").FillAsync("1234");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=order]"));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToHaveTextAsync(
            "可用积分不足：有 12 分被未领取的兑换券冻结。请到柜台出示兑换券领取商品，或取消不要的兑换券，积分会马上退回。");
        await ScreenshotAsync("resident-order-held-by-voucher");
        Assert.That(await VoucherStatusAsync(voucher.VoucherId), Is.EqualTo(VoucherStatus.Issued), "the refusal changed nothing");

        await Page.Context.ClearCookiesAsync();
        await Page.SetViewportSizeAsync(1280, 800);
        await Page.GotoAsync("/");
        await SubmitSignInAsync("shopkeeper", "shopkeeper" + Suffix);
        await WaitForPathAsync("/");
        await Page.GotoAsync($"/counter/card?token={token}");
        await Page.Locator($"#qty-{product}").FillAsync("7");
        await Page.Locator("#pin").FillAsync("1234");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=confirm]"));
        await Assertions.Expect(Page.Locator("[data-testid=refusal]")).ToContainTextAsync("可用积分不足：有 12 分被未领取的兑换券冻结");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task ACardWithoutAPin_TellsTheResidentOnTheOrderPage_BeforeAnythingIsTyped()
    {
        var (_, voucher) = await VoucherAsync();
        var issued = await AsOperatorAsync(new PointsBank.Features.Cards.IssueCard(await DemoCommunityAsync(), voucher.AccountId));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync($"/c/{IssuedCards.TokenOf(issued.Value!)}/order");
        await Assertions.Expect(Page.Locator("[data-testid=cannot-order]")).ToHaveTextAsync(
            "这张卡还没有设置密码，还不能下单。请带卡到村（居）委会，请工作人员帮您设置密码（由您本人输入），设好后就能下单。");
        Assert.That((await Page.Locator("#pin").CountAsync(), await Page.Locator("[data-testid=order]").CountAsync()), Is.EqualTo((0, 0)),
            "no form the resident would fill only to be refused");
        Assert.That(await Page.Locator("[data-testid=cannot-order] ~ [data-testid=open-vouchers]").CountAsync(), Is.EqualTo(1),
            "the notice comes first; the card's open voucher still shows below it, to collect or cancel");
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("resident-order-no-pin");
        Assert.That(ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task ACommitteeMemberOfTwoCommunities_PicksTheCommunityAtTheCounter_AndItsShopsFollow()
    {
        var demo = await DemoCommunityAsync();
        var code = $"t{Guid.NewGuid():N}"[..10];
        var other = (await AsOperatorAsync(new CreateCommunity(code, "东湾村"))).Value!.CommunityId;
        var shop = await AsOperatorAsync(new AddShop(other, "东湾村积分超市"));
        Assert.That(shop.Failure, Is.Null, shop.Failure?.Detail);
        var username = $"two-{code}";
        const string password = "two villages, one counter";
        Assert.That((await AsOperatorAsync(new PointsBank.Features.Users.CreateUser(username, "两村委员", password))).Failure, Is.Null);
        Assert.That((await AsOperatorAsync(new PointsBank.Features.Users.GrantRole(demo, username, "committee"))).Failure, Is.Null);
        Assert.That((await AsOperatorAsync(new PointsBank.Features.Users.GrantRole(other, username, "committee"))).Failure, Is.Null);

        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, password);
        await WaitForPathAsync("/");
        await Page.GotoAsync("/counter");
        var picker = Page.Locator("[data-testid=community-pick] select");
        Assert.That(await picker.InputValueAsync(), Is.EqualTo(demo.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await Page.Locator("[data-testid=shop-name]").InnerTextAsync(), Is.EqualTo("示范村积分超市"));

        await picker.SelectOptionAsync(other.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Page.WaitForURLAsync(url => url.Contains($"communityId={other}", StringComparison.Ordinal));
        await Assertions.Expect(Page.Locator("[data-testid=shop-name]")).ToHaveTextAsync("东湾村积分超市");
        await ScreenshotAsync("counter-community-pick");

        // A link that carries only the shop keeps the community it belongs to.
        await Page.GotoAsync($"/counter?shopId={shop.Value!.ShopId}");
        await Assertions.Expect(Page.Locator("[data-testid=shop-name]")).ToHaveTextAsync("东湾村积分超市");
        Assert.That(await picker.InputValueAsync(), Is.EqualTo(other.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteCounterPagesTests() : CounterPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCounterPagesTests() : CounterPagesTests(DatabaseProvider.SqlServer);
