using System.Text.Json;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Features.Communities;
using PointsBank.Features.Volunteers;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;
using static PointsBank.Tests.Features.Communities.Acting;

namespace PointsBank.Tests.Features.Communities;

/// <summary>
/// A resident's own data exported for them (个人信息保护法, issue 11 item 8): two households seeded side by side; the
/// export of one holds its own rows and none of the neighbour's, every ledger entry beyond one page, the claims, the
/// volunteer registration and the cards' dates — never a card token, its sealed copy or a PIN hash — and only the
/// committee may run it.
/// </summary>
public abstract class ExportResidentDataTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _c = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _c = await _db.NewCommunityAsync();
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

    private DateOnly Yesterday => DateOnly.FromDateTime(_db.Clock.GetUtcNow().UtcDateTime.AddHours(8)).AddDays(-1);

    private async Task<(long Household, long Resident, long Account)> SeedAsync(string code, string name, string phone)
    {
        var grid = Ok(await Send(new AddGrid(_c.Id, $"网格-{code}"))).GridId;
        var household = Ok(await Send(new AddHousehold(_c.Id, grid, code, $"{code} 号"))).HouseholdId;
        var resident = Ok(await Send(new AddResident(_c.Id, household, name, phone))).ResidentId;
        var account = Ok(await Send(new OpenAccount(_c.Id, "household", household))).AccountId;
        Ok(await _db.SendAs(As(Role.Inspector, _c.Id, userId: 11),
            new SubmitClaim(_c.Id, account, resident, "mediation", null, Yesterday, $"{name} 调解纠纷")));
        return (household, resident, account);
    }

    [Test]
    public async Task TheExport_HoldsTheResidentsOwnRows_EveryEntry_AndNoSecrets()
    {
        var (household, resident, account) = await SeedAsync("一组-01", "欧阳娜娜", "13800138000");
        var (_, neighbour, neighbourAccount) = await SeedAsync("二组-02", "司马光明", "13900139000");
        Ok(await Send(new UpdateResident(_c.Id, resident, household, "欧阳娜娜", "13700137000")));
        const int entries = Paging.MaxPageSize + 5;
        for (var i = 0; i < entries; i++)
        {
            await _c.PostAsync(_c.Award(account, 1));
        }
        await _c.PostAsync(_c.Award(neighbourAccount, 7));
        var first = Ok(await Send(new IssueCard(_c.Id, account)));
        Ok(await Send(new SetCardPin(_c.Id, first.CardId, "2468")));
        var second = Ok(await Send(new IssueCard(_c.Id, account)));
        Ok(await Send(new IssueCard(_c.Id, neighbourAccount)));
        Ok(await Send(new EnrollVolunteer(_c.Id, resident, "本人书面同意记录志愿服务信息", Yesterday)));

        var export = Ok(await Send(new ExportResidentData(_c.Id, resident)));

        Assert.That(export.Format, Is.EqualTo(ResidentDataExport.FormatName));
        Assert.That((export.Resident.Id, export.Resident.FullName, export.Resident.Phone, export.Resident.NameMasked),
            Is.EqualTo((resident, "欧阳娜娜", (string?)"13700137000", false)), "the committee sees the full name and phone");
        Assert.That(export.Household!.Code, Is.EqualTo("一组-01"));
        Assert.That(export.Grid!.Name, Is.EqualTo("网格-一组-01"));
        Assert.That(export.Changes.All(ch => (ch.Entity, ch.EntityId) == ("resident", resident) || (ch.Entity, ch.EntityId) == ("household", household)),
            "only the rows about this resident and household");
        Assert.That(export.Changes.Select(ch => (ch.Entity, ch.Change)), Is.EquivalentTo(new[]
            { ("household", "create"), ("resident", "create"), ("resident", "update") }));

        var only = export.Accounts.Single();
        Assert.That(only.Balance.AccountId, Is.EqualTo(account));
        Assert.That(only.Balance.Balance, Is.EqualTo(entries));
        Assert.That((only.EntryCount, only.Entries.Count), Is.EqualTo(((long)entries, entries)), "every entry, beyond one page of 100");
        Assert.That(only.Entries.Select(e => e.Seq).Distinct().Count(), Is.EqualTo(entries));
        Assert.That(only.Entries.All(e => e.Explanation.Length > 0), "each entry explained");
        Assert.That(only.Cards.Select(k => (k.CardId, k.Status, k.HasPin, k.RevokedAt is not null)), Is.EqualTo(new[]
            { (first.CardId, "revoked", true, true), (second.CardId, "active", false, false) }));

        Assert.That(export.Claims.Select(k => k.AccountId), Is.EqualTo(new[] { account }), "the resident's own claim only");
        Assert.That(export.Volunteer?.Volunteer.ResidentId, Is.EqualTo(resident));

        var json = JsonSerializer.Serialize(export, new JsonSerializerOptions(JsonSerializerDefaults.Web)
            { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.That(json, Does.Contain("欧阳娜娜"));
        Assert.That(json, Does.Not.Contain("司马光明").And.Not.Contain("13900139000").And.Not.Contain("二组-02"), "nothing of the neighbour");
        await using var connection = await _db.Db.OpenConnectionAsync();
        var secrets = (await Dapper.SqlMapper.QueryAsync<(string, string, string?)>(connection,
            "SELECT token_hash, token_sealed, pin_hash FROM cards WHERE community_id = @c", new { c = _c.Id })).ToList();
        Assert.That(secrets, Has.Count.EqualTo(3));
        foreach (var (hash, @sealed, pin) in secrets)
        {
            Assert.That(json, Does.Not.Contain(hash).And.Not.Contain(@sealed), "no card token in any form");
            if (pin is not null) Assert.That(json, Does.Not.Contain(pin), "no PIN hash");
        }
        Assert.That(json, Does.Not.Contain("token").IgnoreCase.And.Not.Contain("pinHash").IgnoreCase);
        Assert.That(neighbour, Is.Not.EqualTo(resident));
    }

    [Test]
    public async Task OtherRoles_AreRefused()
    {
        var (_, resident, _) = await SeedAsync("一组-03", "欧阳娜娜", "13800138000");
        foreach (var role in new[] { Role.Inspector, Role.Shopkeeper, Role.Reviewer, Role.Organizer })
        {
            Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(role, _c.Id, userId: 30), new ExportResidentData(_c.Id, resident)), role.ToString());
        }
        var elsewhere = await _db.NewCommunityAsync();
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(As(Role.Committee, elsewhere.Id), new ExportResidentData(_c.Id, resident)),
            "another community's committee");
        var missing = await Send(new ExportResidentData(_c.Id, resident + 1000));
        Assert.That(missing.Failure?.Code, Is.EqualTo("resident_not_found"));
    }
}

[TestFixture]
public sealed class SqliteExportResidentDataTests() : ExportResidentDataTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerExportResidentDataTests() : ExportResidentDataTests(DatabaseProvider.SqlServer);
