using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PointsBank.Data;
using PointsBank.Ledger;


namespace PointsBank.Bench;

/// <summary>A community the benchmark writes into, with its issuance account and household accounts.</summary>
internal sealed record BenchCommunity(long Id, string Code, long Issuance, long[] Accounts);

/// <summary>
/// One benchmark item: an award of <see cref="Points"/> from issuance to one household account, for one of a few
/// typical good deeds, under a unique idempotency key (a random UUID, as an HTTP client would send).
/// </summary>
internal readonly record struct BenchItem(int Account, long Points, int Deed, string Key);

internal static class BenchWorkload
{
    public sealed record Deed(string Category, string RuleCode, string Reason, string Facts, int Points);

    public const string Actor = "grid:网格员-07";

    /// <summary>Typical awards of a village scheme; every item is one of these (facts are JSON, as the rules engine writes them).</summary>
    public static readonly Deed[] Deeds =
    [
        MakeDeed(Categories.GoodDeed, "GD-01", "拾金不昧，归还村民钱包 / returned a lost wallet", 10),
        MakeDeed(Categories.Volunteer, "VS-02", "参加村组织的义务劳动（环境整治）2 小时 / village clean-up, 2 h", 5),
        MakeDeed(Categories.Hygiene, "HY-01", "垃圾分类月度检查达标 / passed the monthly waste-sorting inspection", 10),
        MakeDeed(Categories.Hygiene, "HY-03", "门前三包，宅前屋后无乱堆乱放 / tidy frontage", 15),
        MakeDeed(Categories.FilialPiety, "FP-01", "孝老爱亲，照顾卧病老人 / cared for a bedridden elder", 10),
        MakeDeed(Categories.Neighbourliness, "NB-02", "调解邻里矛盾 / settled a neighbours' dispute", 8),
        MakeDeed(Categories.Volunteer, "VS-05", "治安巡防志愿服务 3 小时 / neighbourhood patrol, 3 h", 6),
        MakeDeed(Categories.LawAbiding, "LA-01", "主动参加普法讲座 / attended a legal-education talk", 3),
    ];

    private static Deed MakeDeed(string category, string rule, string reason, int points) =>
        new(category, rule, reason, JsonSerializer.Serialize(new { rule, points, evidence = "photo:" + rule.ToLowerInvariant() + ".jpg" }), points);

    /// <summary>Deterministic items: the same seed gives the same rows, so raw and ledger parts write identical content.</summary>
    public static BenchItem[] Items(int count, int seed, int accounts)
    {
        var random = new Random(seed);
        var items = new BenchItem[count];
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            bytes[7] = (byte)(bytes[7] & 0x0F | 0x40); // version 4, as Guid.NewGuid() would give
            bytes[8] = (byte)(bytes[8] & 0x3F | 0x80);
            var deed = random.Next(Deeds.Length);
            items[i] = new BenchItem(random.Next(accounts), 1 + random.Next(20), deed, new Guid(bytes).ToString());
        }
        return items;
    }

    public static LedgerEntry Entry(BenchCommunity community, in BenchItem item)
    {
        var deed = Deeds[item.Deed];
        return new LedgerEntry(community.Id, TransactionKind.Award, deed.Category, item.Key, deed.Reason, Actor,
            [new PostingLine(community.Issuance, -item.Points), new PostingLine(community.Accounts[item.Account], item.Points)],
            RuleCode: deed.RuleCode, RuleVersion: 1, Facts: deed.Facts);
    }

    public static LedgerEntry[] Entries(BenchCommunity community, ReadOnlySpan<BenchItem> items)
    {
        var entries = new LedgerEntry[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            entries[i] = Entry(community, items[i]);
        }
        return entries;
    }

    private const string InsertHousehold = """
        INSERT INTO households (community_id, grid_id, code, address, is_active, created_at)
        VALUES (@communityId, NULL, @code, @address, 1, @now)
        """;

    private static readonly DialectSql InsertCommunity = new(
        Sqlite: """
            INSERT INTO communities (code, name, time_zone, account_mode, penalty_policy, is_active, created_at)
            VALUES (@code, @name, 'Asia/Shanghai', 'household', 'cap', 1, @now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO communities (code, name, time_zone, account_mode, penalty_policy, is_active, created_at)
            VALUES (@code, @name, 'Asia/Shanghai', 'household', 'cap', 1, @now);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    /// <summary>
    /// Creates a community as the CreateCommunity use case does (the row, then the ledger's chain head and system
    /// accounts, in one database transaction; called directly, since the use case is for signed-in administrators),
    /// then its households and their accounts in one database transaction through the ledger's account-opening path.
    /// </summary>
    public static async Task<BenchCommunity> CreateCommunityAsync(DbDataSource db, SqlDialect dialect,
        PointsLedger ledger, TimeProvider clock, string code, string name, int accounts, CancellationToken ct)
    {
        long communityId;
        await using (var work = new UnitOfWork(ledger))
        {
            await work.BeginAsync(null, ct);
            await using (var insert = work.Connection.CreateCommand())
            {
                insert.Transaction = work.Transaction;
                insert.CommandText = dialect.Pick(InsertCommunity);
                AddParameter(insert, "@code", code);
                AddParameter(insert, "@name", name);
                AddParameter(insert, "@now", work.Now);
                communityId = Convert.ToInt64(await insert.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }
            await ledger.InitializeCommunityAsync(work, communityId, ct);
            await work.CommitAsync(ct);
        }
        var ids = new long[accounts];
        await using (var work = new UnitOfWork(ledger))
        {
            await work.BeginAsync(communityId, ct);
            var connection = work.Connection;
            var tx = work.Transaction;
            var now = work.Now;
            await using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = InsertHousehold;
            AddParameter(insert, "@communityId", communityId);
            var pCode = AddParameter(insert, "@code", "");
            var pAddress = AddParameter(insert, "@address", "");
            AddParameter(insert, "@now", now);
            for (var i = 0; i < accounts; i++)
            {
                var householdCode = $"{1 + i / 100}组-{i % 100 + 1:D2}";
                pCode.Value = householdCode;
                pAddress.Value = $"{name}{householdCode}号";
                await insert.ExecuteNonQueryAsync(ct);
                var householdId = SQLitePCL.raw.sqlite3_last_insert_rowid(((SqliteConnection)connection).Handle);
                ids[i] = await ledger.OpenAccountAsync(work, communityId, AccountKind.Household, householdId, null,
                    $"户 {householdCode}", ct);
            }
            await work.CommitAsync(ct);
        }
        var issuance = await ledger.SystemAccountIdAsync(communityId, SystemAccount.Issuance, ct)
            ?? throw new InvalidOperationException($"community {code} has no issuance account");
        return new BenchCommunity(communityId, code, issuance, ids);
    }

    private static DbParameter AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
