using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Cards;

/// <summary>
/// A request that exists only in the tests: checks a card's PIN through <see cref="CardPins.CheckAsync"/> inside the
/// unit of work the pipeline opens, as the counter's card + PIN redemption will (a wrong PIN fails the request, and the
/// unit rolls back).
/// </summary>
[Allow(Role.Committee)]
public sealed record CheckPinForTest(long CommunityId, long CardId, string Pin) : IRequest<Outcome<string>>, ICommunityScoped;

public sealed class CheckPinForTestHandler(UnitOfWork work) : IRequestHandler<CheckPinForTest, Outcome<string>>
{
    public async Task<Outcome<string>> Handle(CheckPinForTest request, CancellationToken ct)
    {
        var card = await CardPins.FindAsync(work, request.CardId, ct);
        if (card is null)
        {
            return new Failure("card_not_found", "no card");
        }
        // Something the request writes before the check, which a failed check must roll back.
        await work.ExecuteAsync("INSERT INTO grids (community_id, name, is_active, created_at) VALUES (@id, @name, 1, @now)",
            new { id = request.CommunityId, name = $"pin-{Guid.NewGuid():N}", now = work.Now }, ct);
        return await CardPins.CheckAsync(work, card, request.Pin, ct) is { } refused ? refused : "ok";
    }
}

/// <summary>
/// Cards through the real pipeline: issuing revokes the old card in the same unit, only member accounts get cards,
/// tokens are stored hashed and sealed (never in the clear), the PIN is set hashed and counted through CardPins,
/// unlock and revoke, the grid batch, and the card-holder resolver.
/// </summary>
public abstract class CardsTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _community = null!;
    private long _account;

    private Caller Committee => Acting.As(Role.Committee, _community.Id, userId: 21);

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabase()
    {
        _db = await TestDatabase.CreateAsync(provider,
            services => services.AddTransient<IRequestHandler<CheckPinForTest, Outcome<string>>, CheckPinForTestHandler>());
        _community = await _db.NewCommunityAsync();
        (_account, _) = await _community.NewHouseholdAccountAsync();
    }

    [TearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private CardHolders Holders => _db.Services.GetRequiredService<CardHolders>();

    private async Task<CardIssued> IssueAsync(long? account = null)
    {
        var issued = await _db.SendAs(Committee, new IssueCard(_community.Id, account ?? _account));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        return issued.Value!;
    }


    private async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    private async Task<CardStatus> StatusAsync() => (await _db.SendAs(Committee, new GetAccountCard(_community.Id, _account))).Value!;

    [Test]
    public async Task Issue_GivesAUrlWithAFreshToken_StoredOnlyHashedAndSealed()
    {
        var card = await IssueAsync();
        var token = IssuedCards.TokenOf(card);

        Assert.That(card.Url, Is.EqualTo($"http://localhost:5080/c/{token}"));
        Assert.That(CardSecrets.LooksLikeToken(token), Is.True);
        var (hash, sealedToken) = (await ScalarAsync<string>("SELECT token_hash FROM cards WHERE id = @id", new { id = card.CardId }),
            await ScalarAsync<string>("SELECT token_sealed FROM cards WHERE id = @id", new { id = card.CardId }));
        Assert.That(hash, Is.EqualTo(CardSecrets.HashToken(token)));
        Assert.That(sealedToken, Does.Not.Contain(token));
        Assert.That(_db.Services.GetRequiredService<CardLinks>().Unseal(sealedToken), Is.EqualTo(token), "the committee can print it again");
        var label = await _db.SendAs(Committee, new GetCardLabel(_community.Id, card.CardId));
        Assert.That(label.Value!.Url, Is.EqualTo(card.Url));
    }

    [Test]
    public async Task NewCard_RevokesTheOldOne_InTheSameUnit()
    {
        var first = await IssueAsync();
        var second = await IssueAsync();

        Assert.That(second.ReplacedCardId, Is.EqualTo(first.CardId));
        Assert.That(await Holders.ResolveAsync(IssuedCards.TokenOf(first), default), Is.Null);
        Assert.That(await Holders.ResolveAsync(IssuedCards.TokenOf(second), default), Is.EqualTo(new CardGrant(second.CardId, _community.Id, _account)));
        Assert.That(await ScalarAsync<long>("SELECT COUNT(*) FROM cards WHERE account_id = @a AND status = 'active'", new { a = _account }), Is.EqualTo(1));
        Assert.That(await ScalarAsync<string>("SELECT revoked_by FROM cards WHERE id = @id", new { id = first.CardId }), Is.EqualTo("user:committee"));
        Assert.That((await StatusAsync()).CardId, Is.EqualTo(second.CardId));
    }

    [Test]
    public async Task Resolver_TreatsUnknownMalformedAndRevokedAlike()
    {
        var card = await IssueAsync();
        Assert.That(await _db.SendAs(Committee, new RevokeCard(_community.Id, card.CardId, "卡丢了")) is { Failure: null });

        foreach (var token in new[] { IssuedCards.TokenOf(card), CardSecrets.NewToken(), "not-a-token", "", null, new string('a', 500) })
        {
            Assert.That(await Holders.ResolveAsync(token, default), Is.Null, token);
        }
    }

    [Test]
    public async Task Issue_OnlyForHouseholdOrPersonAccountsOfTheCommunity()
    {
        var shop = (await _db.Mediator.Send(new AddShop(_community.Id, "小卖部"))).Value!.ShopId;
        var shopAccount = (await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(_community.Id, "shop", shop))).Value!.AccountId;
        var other = await _db.NewCommunityAsync();
        var (foreign, _) = await other.NewHouseholdAccountAsync();

        var onShop = await _db.SendAs(Committee, new IssueCard(_community.Id, shopAccount));
        var onIssuance = await _db.SendAs(Committee, new IssueCard(_community.Id, _community.Issuance));
        var onForeign = await _db.SendAs(Committee, new IssueCard(_community.Id, foreign));

        Assert.That((onShop.Failure?.Code, onIssuance.Failure?.Code, onForeign.Failure?.Code),
            Is.EqualTo(("card_account_kind", "card_account_kind", "account_not_found")));
        Assert.That(await ScalarAsync<long>("SELECT COUNT(*) FROM cards WHERE community_id = @c", new { c = _community.Id }), Is.Zero);
    }

    [TestCase("123")]
    [TestCase("1234567")]
    [TestCase("12a4")]
    [TestCase("")]
    public async Task SetPin_RefusesAnythingButFourToSixDigits_AndChangesNothing(string pin)
    {
        var card = await IssueAsync();

        Assert.ThrowsAsync<RequestValidationException>(() => _db.SendAs(Committee, new SetCardPin(_community.Id, card.CardId, pin)));

        Assert.That((await StatusAsync()).HasPin, Is.False);
    }

    [Test]
    public async Task SetPin_StoresItHashed_AndNeverInTheAuditLog()
    {
        var card = await IssueAsync();

        var set = await _db.SendAs(Committee, new SetCardPin(_community.Id, card.CardId, "482913"));

        Assert.That(set.Value!.HasPin, Is.True);
        var hash = await ScalarAsync<string>("SELECT pin_hash FROM cards WHERE id = @id", new { id = card.CardId });
        Assert.That(hash, Does.Not.Contain("482913"));
        Assert.That(CardSecrets.PinMatches(hash, "482913"), Is.True);
        var audit = await ScalarAsync<string>("SELECT target FROM audit_log WHERE community_id = @c AND action = 'SetCardPin'", new { c = _community.Id });
        Assert.That(audit, Does.Not.Contain("482913"));
        Assert.That(await ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE community_id = @c AND (target LIKE '%482913%' OR detail LIKE '%482913%')",
            new { c = _community.Id }), Is.Zero);
    }

    [Test]
    public async Task WrongPins_CountThroughTheRollback_FifthLocks_UnlockAndRightPinReset()
    {
        var card = await IssueAsync();
        await _db.SendAs(Committee, new SetCardPin(_community.Id, card.CardId, "1234"));
        var grids = $"SELECT COUNT(*) FROM grids WHERE community_id = {_community.Id} AND name LIKE 'pin-%'";
        Task<Outcome<string>> Check(string pin) => _db.SendAs(Committee, new CheckPinForTest(_community.Id, card.CardId, pin));

        var codes = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await Check("9999")).Failure?.Code);
        }
        Assert.That(codes, Is.EqualTo(new[] { "pin_wrong", "pin_wrong", "pin_wrong" }));
        Assert.That((await StatusAsync()).PinFailures, Is.EqualTo(3), "each wrong PIN is counted though its request rolled back");
        Assert.That(await ScalarAsync<long>(grids), Is.Zero, "the failed requests' own writes were rolled back");

        Assert.That((await Check("1234")).Value, Is.EqualTo("ok"));
        Assert.That((await StatusAsync()).PinFailures, Is.Zero, "a right PIN starts the count again");
        Assert.That(await ScalarAsync<long>(grids), Is.EqualTo(1), "the successful request's write committed");

        for (var i = 0; i < 4; i++)
        {
            Assert.That((await Check("0000")).Failure?.Code, Is.EqualTo("pin_wrong"));
        }
        Assert.That((await Check("0000")).Failure?.Code, Is.EqualTo("card_locked"), "the fifth wrong PIN in a row locks");
        Assert.That(await StatusAsync() is { Locked: true, PinFailures: 5 });
        Assert.That((await Check("1234")).Failure?.Code, Is.EqualTo("card_locked"), "even the right PIN while locked");

        Assert.ThrowsAsync<RequestValidationException>(() => _db.SendAs(Committee, new UnlockCard(_community.Id, card.CardId, "")));
        var unlocked = await _db.SendAs(Committee, new UnlockCard(_community.Id, card.CardId, "本人持身份证到村委会"));
        Assert.That(unlocked.Value is { Locked: false, PinFailures: 0 });
        Assert.That(await ScalarAsync<string>("SELECT target FROM audit_log WHERE community_id = @c AND action = 'UnlockCard' AND outcome = 'ok'",
            new { c = _community.Id }), Does.Contain("本人持身份证到村委会"));
        Assert.That((await Check("1234")).Value, Is.EqualTo("ok"));
    }

    [Test]
    public async Task Revoke_StopsTheCard_AndRevokedCardsTakeNoChanges()
    {
        var card = await IssueAsync();

        var revoked = await _db.SendAs(Committee, new RevokeCard(_community.Id, card.CardId, "卡丢了"));
        var again = await _db.SendAs(Committee, new RevokeCard(_community.Id, card.CardId, "再挂失"));
        var pin = await _db.SendAs(Committee, new SetCardPin(_community.Id, card.CardId, "1234"));
        var label = await _db.SendAs(Committee, new GetCardLabel(_community.Id, card.CardId));
        var missing = await _db.SendAs(Committee, new RevokeCard(_community.Id, card.CardId + 1000, "没有这张卡"));

        Assert.That(revoked.Value!.Status, Is.EqualTo("revoked"));
        Assert.That((again.Failure?.Code, pin.Failure?.Code, label.Failure?.Code, missing.Failure?.Code),
            Is.EqualTo(("card_not_active", "card_not_active", "card_not_active", "card_not_found")));
        Assert.That(await ScalarAsync<string?>("SELECT pin_hash FROM cards WHERE id = @id", new { id = card.CardId }), Is.Null);
        Assert.That((await _db.SendAs(Committee, new GetAccountCard(_community.Id, _account))).Failure?.Code, Is.EqualTo("card_not_found"));
    }

    [Test]
    public async Task GridBatch_IssuesOnlyToTheGridsAccountsWithoutACard_InTheCommunitysMode()
    {
        var grid = (await _db.Mediator.Send(new AddGrid(_community.Id, "一组"))).Value!.GridId;
        var accounts = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var household = (await _db.Mediator.Send(new AddHousehold(_community.Id, grid, $"一组-0{i + 1}"))).Value!.HouseholdId;
            await _db.Mediator.Send(new AddResident(_community.Id, household, i == 0 ? "张三明" : "李四"));
            accounts.Add((await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(_community.Id, "household", household))).Value!.AccountId);
        }
        var existing = await IssueAsync(accounts[0]);

        var batch = await _db.SendAs(Committee, new IssueGridCards(_community.Id, grid));
        var second = await _db.SendAs(Committee, new IssueGridCards(_community.Id, grid));
        var sheet = (await _db.SendAs(Committee, new GetGridCards(_community.Id, grid))).Value!;

        Assert.That(batch.Value!.Issued, Is.EqualTo(2));
        Assert.That(second.Value!.Issued, Is.Zero);
        Assert.That(sheet.Cards.Select(c => c.AccountId), Is.EquivalentTo(accounts), "the outside-the-grid account of the fixture has none");
        Assert.That(sheet.Cards.Single(c => c.AccountId == accounts[0]), Has.Property("CardId").EqualTo(existing.CardId)
            .And.Property("MaskedName").EqualTo("张*明").And.Property("HouseholdCode").EqualTo("一组-01"));
        Assert.That((await _db.SendAs(Committee, new IssueGridCards(_community.Id, grid + 1000))).Failure?.Code, Is.EqualTo("grid_not_found"));
    }

    [Test]
    public async Task CardHolder_ReadsOnlyItsOwnAccount_AndCanChangeNothing()
    {
        var card = await IssueAsync();
        var (neighbour, _) = await _community.NewHouseholdAccountAsync();
        var holder = Caller.CardHolder((await Holders.ResolveAsync(IssuedCards.TokenOf(card), default))!);

        var own = await _db.SendAs(holder, new GetCardHolder(_community.Id, _account));
        Assert.That(own.Value!.MaskedName, Is.EqualTo("测*民"));
        Assert.That(await _db.SendAs(holder, new PointsBank.Features.Points.GetBalance(_community.Id, _account)) is { Failure: null });
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(holder, new GetCardHolder(_community.Id, neighbour)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(holder, new PointsBank.Features.Points.GetHistory(_community.Id, neighbour)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(holder, new GetAccountCard(_community.Id, _account)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(holder, new IssueCard(_community.Id, _account)));
        Assert.ThrowsAsync<ForbiddenException>(() => _db.SendAs(holder, new SetCardPin(_community.Id, card.CardId, "1234")));
    }
}

[TestFixture]
public sealed class SqliteCardsTests() : CardsTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCardsTests() : CardsTests(DatabaseProvider.SqlServer);
