using System.Data.Common;
using Dapper;
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
/// the app does, on every engine (SQLite's RAISE(ABORT) triggers; SQL Server's INSTEAD OF trigger, THROW 51020),
/// checked live on this test's own community's rows.
/// </summary>
public abstract class StockMovementsAppendOnlyTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private long _community;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task RecordSomeMovements()
    {
        _db = await TestDatabase.CreateAsync(provider);
        var community = _community = (await _db.NewCommunityAsync()).Id;
        var committee = As(Role.Committee, community);
        var shop = (await _db.SendAs(committee, new AddShop(community, "积分超市"))).Value!.ShopId;
        var product = (await _db.SendAs(committee, new AddProduct(community, shop, "洗衣粉", 30, "袋"))).Value!.Id;
        Assert.That((await _db.SendAs(committee, new RecordStockMovement(community, shop, product, StockKinds.Restock, 10))).Succeeded);
        Assert.That((await _db.SendAs(committee, new RecordStockMovement(community, shop, product, StockKinds.Donation, 5, "县供销社", 20m))).Succeeded);
    }

    [TearDown]
    public async Task Drop()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    [TestCase("UPDATE stock_movements SET quantity = quantity * 2 WHERE community_id = {c}")]
    [TestCase("UPDATE stock_movements SET donor = '别人' WHERE community_id = {c} AND kind = 'donation'")]
    [TestCase("DELETE FROM stock_movements WHERE community_id = {c}")]
    [TestCase("DELETE FROM stock_movements WHERE community_id = {c} AND kind = 'restock'")]
    public async Task RawUpdateOrDelete_OnStockMovements_IsRejectedByTheDatabase(string sql)
    {
        var before = await Snapshot();
        Assert.That(before, Does.Contain("donation:5:县供销社"), "the community's movements are there");

        var error = Assert.CatchAsync<DbException>(() => _db.ExecuteRawAsync(sql.Replace("{c}", _community.ToString())));

        Assert.That(error!.Message, Does.Contain("append-only"));
        Assert.That(await Snapshot(), Is.EqualTo(before));
    }

    private async Task<string> Snapshot()
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(long Id, string Kind, long Quantity, string? Donor)>(
            "SELECT id, kind, quantity, donor FROM stock_movements WHERE community_id = @c ORDER BY id", new { c = _community });
        return string.Join(",", rows.Select(r => $"{r.Id}:{r.Kind}:{r.Quantity}:{r.Donor}"));
    }
}

[TestFixture]
public sealed class SqliteStockMovementsAppendOnlyTests() : StockMovementsAppendOnlyTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerStockMovementsAppendOnlyTests() : StockMovementsAppendOnlyTests(DatabaseProvider.SqlServer);

/// <summary>The SQL Server scripts guard stock movements with a trigger and deny the app's role UPDATE and DELETE (parsed).</summary>
public sealed class StockMovementsScriptTests
{
    [Test]
    public void SqlServerScripts_GuardStockMovements_WithATrigger_AndDenyTheAppRoleUpdateAndDelete()
    {
        var scripts = TSqlScripts.ParseSqlServerScripts().Select(s => s.Script).ToList();

        Assert.That(JournalProtection.TablesRejectingUpdateAndDelete(scripts), Does.Contain("stock_movements"));
        Assert.That(JournalProtection.TablesDenyingUpdateAndDelete(scripts, JournalProtection.AppRole), Does.Contain("stock_movements"));
    }
}
