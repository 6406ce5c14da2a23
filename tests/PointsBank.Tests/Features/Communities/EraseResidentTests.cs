using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Communities;

/// <summary>
/// Erasing a departed resident's name and phone (issue 11 item 8): only once they left, replaced by the placeholder,
/// recorded in the change history with the earlier rows redacted, and the ledger untouched: verify passes and every
/// journal hash is what it was.
/// </summary>
public abstract class EraseResidentTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _c = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _c = await _db.NewCommunityAsync(accountMode: "person");
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private Task<T> Send<T>(MediatR.IRequest<T> request) => _db.SendAs(As(Role.Committee, _c.Id), request);

    private static T Ok<T>(Outcome<T> outcome)
    {
        Assert.That(outcome.Failure, Is.Null, outcome.Failure?.Detail);
        return outcome.Value!;
    }

    [Test]
    public async Task ADepartedResident_IsErased_HistoryRedacted_LedgerUntouched()
    {
        var household = Ok(await Send(new AddHousehold(_c.Id, null, "一组-09"))).HouseholdId;
        var resident = Ok(await Send(new AddResident(_c.Id, household, "欧阳娜娜", "13800138000"))).ResidentId;
        Ok(await Send(new UpdateResident(_c.Id, resident, household, "欧阳娜娜", "13900139000")));
        var account = Ok(await Send(new PointsBank.Features.Accounts.OpenAccount(_c.Id, "person", resident))).AccountId;
        await _c.PostAsync(_c.Award(account, 30));
        await _c.PostAsync(_c.Redeem(account, 10));
        var journal = await Journal();

        var refused = await Send(new EraseResident(_c.Id, resident));
        Assert.That(refused.Failure?.Code, Is.EqualTo("resident_still_active"), "an active resident is never erased");

        Ok(await Send(new DeactivateResident(_c.Id, resident)));
        var erased = Ok(await Send(new EraseResident(_c.Id, resident)));

        Assert.That(erased.FullName, Is.EqualTo("已注销居民"));
        var row = Ok(await Send(new GetResident(_c.Id, resident)));
        Assert.That((row.FullName, row.Phone, row.IsActive, row.AccountId), Is.EqualTo(("已注销居民", (string?)null, false, (long?)account)));
        var history = Ok(await Send(new GetChangeHistory(_c.Id, "resident", resident))).Items;
        Assert.That(history.Select(h => h.Change), Is.EqualTo(new[] { "update", "deactivate", "update", "create" }), "the erasure is in the history");
        Assert.That(history[0].After!.Value.GetProperty("fullName").GetString(), Is.EqualTo("已注销居民"));
        var stored = await _db.ScalarRawAsync($"SELECT COUNT(*) FROM entity_changes WHERE community_id = {_c.Id} AND (before_json LIKE @name OR after_json LIKE @name OR before_json LIKE '%1380013%' OR after_json LIKE '%1390013%')",
            new { name = "%娜娜%" });
        Assert.That(Convert.ToInt64(stored, System.Globalization.CultureInfo.InvariantCulture), Is.Zero, "no history row keeps the name or a phone");
        var audit = await _db.ScalarRawAsync($"SELECT COUNT(*) FROM audit_log WHERE community_id = {_c.Id} AND (target LIKE @name OR target LIKE '%13800138000%')",
            new { name = "%娜娜%" });
        Assert.That(Convert.ToInt64(audit, System.Globalization.CultureInfo.InvariantCulture), Is.Zero, "the audit log never took the name or phone");

        Assert.That(await Journal(), Is.EqualTo(journal), "every journal row and hash as before");
        var verified = await _db.VerifyOwnAsync();
        Assert.That(verified.FirstBreak, Is.Null, verified.FirstBreak?.ToString());
        Assert.That((await _c.BalanceAsync(account)).Balance, Is.EqualTo(20));

        var twice = await Send(new EraseResident(_c.Id, resident));
        Assert.That(twice.Failure?.Code, Is.EqualTo("resident_already_erased"));
    }

    private async Task<List<(long, string, string)>> Journal()
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        return [.. (await Dapper.SqlMapper.QueryAsync<(long, string, string)>(connection,
            "SELECT seq, hash, prev_hash FROM ledger_transactions WHERE community_id = @c ORDER BY seq", new { c = _c.Id }))];
    }
}

[TestFixture]
public sealed class SqliteEraseResidentTests() : EraseResidentTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerEraseResidentTests() : EraseResidentTests(DatabaseProvider.SqlServer);
