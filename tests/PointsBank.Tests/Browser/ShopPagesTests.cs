using System.Data.Common;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PointsBank.Data;

namespace PointsBank.Tests.Browser;

/// <summary>
/// 商品与库存 in a real browser: the demo shopkeeper opens their shop from the home card, adds a product, restocks
/// it, records a donation and a stock-take, and sees the stock and the movement history; a refusal reads in
/// Chinese; the committee finds the shop from 积分超市. Screenshots at desktop and phone width, and the phone
/// page does not scroll sideways.
/// </summary>
public abstract class ShopPagesTests(DatabaseProvider provider) : BrowserTest(provider)
{
    private const string Suffix = Support.AppFactory.DemoPasswordSuffix;

    private async Task SignInAsync(string username)
    {
        await Page.Context.ClearCookiesAsync();
        await Page.GotoAsync("/");
        await SubmitSignInAsync(username, username + Suffix);
        await WaitForPathAsync("/");
    }

    private ILocator Product(string name) => Page.Locator($"article.product[data-name=\"{name}\"]");

    [Test]
    public async Task TheShopkeeper_AddsAProduct_RestocksIt_RecordsADonation_AndSeesTheStockAndHistory()
    {
        await using var connection = await App.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        var community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        var shop = await connection.ExecuteScalarAsync<long>("SELECT id FROM shops WHERE community_id = @community AND name = @name", new { community, name = "示范村积分超市" });

        await SignInAsync("shopkeeper");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=shopkeeper] a", new() { HasText = "商品与库存" }));
        Assert.That(CurrentPath, Is.EqualTo($"/shops/{community}/{shop}"));
        Assert.That(await Page.Locator("[data-testid=shop-name]").InnerTextAsync(), Is.EqualTo("示范村积分超市"));
        Assert.That(await Product("鸡蛋（10个）").Locator(".stock").InnerTextAsync(), Does.Contain("库存偏少"), "the demo's eggs run low");

        // Add a product: it starts with nothing on hand, marked 缺货.
        await Page.Locator("#new-name").FillAsync("挂面");
        await Page.Locator("#new-price").FillAsync("12");
        await Page.Locator("#new-unit").FillAsync("把");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=add-product] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Does.StartWith("已添加商品“挂面”"));
        var noodles = Product("挂面");
        Assert.That(await noodles.Locator(".price").InnerTextAsync(), Is.EqualTo("12 分/把"));
        Assert.That(await noodles.Locator(".stock").InnerTextAsync(), Does.Contain("0").And.Contain("缺货"));

        // 进货 20.
        await noodles.Locator("[data-testid=restock] summary").ClickAsync();
        await noodles.Locator("[data-testid=restock] input[name=quantity]").FillAsync("20");
        await ClickAndWaitForPageAsync(noodles.Locator("[data-testid=restock] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("已登记进货：挂面 +20 把，现有库存 20 把"));

        // 捐赠入库 without a donor's name is refused in Chinese by the browser's form first; sent anyway (the field
        // emptied of its requirement) the page says so in Chinese and nothing moves.
        noodles = Product("挂面");
        await noodles.Locator("[data-testid=donation] summary").ClickAsync();
        await noodles.Locator("[data-testid=donation] input[name=quantity]").FillAsync("10");
        await noodles.Locator("[data-testid=donation] input[name=donor]").EvaluateAsync("e => e.removeAttribute('required')");
        await ClickAndWaitForPageAsync(noodles.Locator("[data-testid=donation] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=error]").InnerTextAsync(), Does.Contain("捐赠人").And.Contain("不能为空"));
        Assert.That(await Product("挂面").Locator("[data-testid=on-hand]").GetAttributeAsync("data-on-hand"), Is.EqualTo("20"));

        noodles = Product("挂面");
        await noodles.Locator("[data-testid=donation] summary").ClickAsync();
        await noodles.Locator("[data-testid=donation] input[name=donor]").FillAsync("县供销社");
        await noodles.Locator("[data-testid=donation] input[name=quantity]").FillAsync("10");
        await noodles.Locator("[data-testid=donation] input[name=valueYuan]").FillAsync("45.50");
        await ClickAndWaitForPageAsync(noodles.Locator("[data-testid=donation] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("已登记捐赠入库：挂面 +10 把，现有库存 30 把"));

        // 盘点: 28 on the shelf → a correction of −2 with the reason.
        noodles = Product("挂面");
        await noodles.Locator("[data-testid=count] summary").ClickAsync();
        await noodles.Locator("[data-testid=count] input[name=counted]").FillAsync("28");
        await noodles.Locator("[data-testid=count] input[name=note]").FillAsync("受潮 2 把");
        await ClickAndWaitForPageAsync(noodles.Locator("[data-testid=count] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("已登记盘点更正：挂面 -2 把，现有库存 28 把"));
        Assert.That(await Product("挂面").Locator("[data-testid=on-hand]").GetAttributeAsync("data-on-hand"), Is.EqualTo("28"));

        // The product's history, newest first: who, what, the donor and value.
        Assert.That(new Uri(Page.Url).Query, Does.Contain("product="));
        var movements = Page.Locator("[data-testid=history] [data-testid=movement]");
        Assert.That(await movements.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.kind)"),
            Is.EqualTo(new[] { "correction", "donation", "restock" }));
        var texts = await movements.AllInnerTextsAsync();
        Assert.That(texts[0], Does.Contain("-2").And.Contain("盘点更正").And.Contain("受潮 2 把").And.Contain("经手：周店员（积分超市）"), "who recorded it, by display name, not the sign-in name");
        Assert.That(texts[1], Does.Contain("+10").And.Contain("捐赠入库").And.Contain("捐赠人：县供销社，估价 45.50 元"));
        Assert.That(texts[2], Does.Contain("+20").And.Contain("进货"));
        Assert.That(ConsoleErrors, Is.Empty, "nothing broken or blocked by the content security policy");
        await ScreenshotAsync("shop-stock-desktop");

        // At a phone's width the page fits without sideways scrolling, an open form included.
        await Page.SetViewportSizeAsync(390, 844);
        await Product("挂面").Locator("[data-testid=donation] summary").ClickAsync();
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("shop-stock-phone");
        await Product("挂面").ScrollIntoViewIfNeededAsync();
        await Page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, "shop-stock-phone-donation-form.png") });

        var stored = await connection.QueryAsync<(string Kind, long Quantity, string? Donor, long? ValueFen, string Actor)>(
            "SELECT m.kind, m.quantity, m.donor, m.value_fen, m.actor FROM stock_movements m JOIN products p ON p.id = m.product_id " +
            "WHERE m.community_id = @community AND p.shop_id = @shop AND p.name = @name ORDER BY m.id", new { community, shop, name = "挂面" });
        Assert.That(stored, Is.EqualTo(new (string, long, string?, long?, string)[]
        {
            ("restock", 20, null, null, "user:shopkeeper"), ("donation", 10, "县供销社", 4550, "user:shopkeeper"), ("correction", -2, null, null, "user:shopkeeper"),
        }));
    }

    [Test]
    public async Task TheCommittee_FindsTheShopsFromItsHomeCard_AndAddsAPartnerShop()
    {
        await SignInAsync("committee");
        await ClickAndWaitForPageAsync(Page.Locator("article.card[data-role=committee] a", new() { HasText = "积分超市" }));
        Assert.That(CurrentPath, Does.Match(@"^/shops/\d+$"));
        var shops = await Page.Locator("[data-testid=shops] li").AllInnerTextsAsync();
        Assert.That(shops, Has.Some.Contains("示范村积分超市").And.Some.Contains("村口小卖部"));
        Assert.That(shops.Single(s => s.Contains("村口小卖部", StringComparison.Ordinal)), Does.Contain("爱心商家"));

        await Page.Locator("#shop-name").FillAsync("爱心理发店");
        await Page.Locator("#shop-kind").SelectOptionAsync("partner");
        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=add-shop] button[type=submit]"));
        Assert.That(await Page.Locator("[data-testid=done]").InnerTextAsync(), Is.EqualTo("已添加商家“爱心理发店”"));
        Assert.That(await Page.Locator("[data-testid=shops] li", new() { HasText = "爱心理发店" }).InnerTextAsync(), Does.Contain("爱心商家"));

        await Page.SetViewportSizeAsync(390, 844);
        Assert.That(await Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390));
        await ScreenshotAsync("shops-committee-phone");

        await ClickAndWaitForPageAsync(Page.Locator("[data-testid=shops] a", new() { HasText = "示范村积分超市" }));
        Assert.That(await Page.Locator("article.product").CountAsync(), Is.GreaterThanOrEqualTo(8));
        Assert.That(await Page.Locator("[data-testid=history] [data-testid=movement]").AllInnerTextsAsync(), Has.Some.Contains("捐赠人：县供销社"));
        await ScreenshotAsync("shop-stock-committee-phone");
        Assert.That(ConsoleErrors, Is.Empty);
    }
}

[TestFixture]
public sealed class SqliteShopPagesTests() : ShopPagesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerShopPagesTests() : ShopPagesTests(DatabaseProvider.SqlServer);
