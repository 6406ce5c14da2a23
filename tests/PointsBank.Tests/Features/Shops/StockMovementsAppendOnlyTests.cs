using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Shops;
using PointsBank.Identity;
using PointsBank.Tests.Sql;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Shops;

/// <summary>
/// Stock movements are append-only like the ledger's journal: the database refuses to change or remove one, whatever
/// the app does (SQLite triggers, checked live), and the SQL Server scripts guard the table with a trigger and deny
/// the app's role UPDATE and DELETE (checked by parsing the scripts).
/// </summary>
public sealed class StockMovementsAppendOnlyTests
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task RecordSomeMovements()
    {
        _db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var community = (await _db.NewCommunityAsync()).Id;
        var committee = As(Role.Committee, community);
        var shop = (await _db.SendAs(committee, new AddShop(community, "积分超市"))).Value!.ShopId;
        var product = (await _db.SendAs(committee, new AddProduct(community, shop, "洗衣粉", 30, "袋"))).Value!.Id;
        Assert.That((await _db.SendAs(committee, new RecordStockMovement(community, shop, product, StockKinds.Restock, 10))).Succeeded);
        Assert.That((await _db.SendAs(committee, new RecordStockMovement(community, shop, product, StockKinds.Donation, 5, "县供销社", 20m))).Succeeded);
    }

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    [TestCase("UPDATE stock_movements SET quantity = quantity * 2")]
    [TestCase("UPDATE stock_movements SET donor = '别人' WHERE kind = 'donation'")]
    [TestCase("DELETE FROM stock_movements")]
    [TestCase("DELETE FROM stock_movements WHERE kind = 'restock'")]
    public async Task RawUpdateOrDelete_OnStockMovements_IsRejectedByTheDatabase(string sql)
    {
        var before = await Snapshot();

        var error = Assert.ThrowsAsync<SqliteException>(() => _db.ExecuteRawAsync(sql));

        Assert.That(error!.Message, Does.Contain("append-only"));
        Assert.That(await Snapshot(), Is.EqualTo(before));
    }

    [Test]
    public void SqlServerScripts_GuardStockMovements_WithATrigger_AndDenyTheAppRoleUpdateAndDelete()
    {
        var scripts = TSqlScripts.ParseSqlServerScripts().Select(s => s.Script).ToList();

        Assert.That(JournalProtection.TablesRejectingUpdateAndDelete(scripts), Does.Contain("stock_movements"));
        Assert.That(JournalProtection.TablesDenyingUpdateAndDelete(scripts, JournalProtection.AppRole), Does.Contain("stock_movements"));
    }

    private async Task<string?> Snapshot() =>
        (string?)await _db.ScalarRawAsync("SELECT group_concat(id || ':' || kind || ':' || quantity || ':' || COALESCE(donor, '')) FROM stock_movements");
}
