using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Identity;

/// <summary>A request used only here, to prove the dual-control mechanism on its own.</summary>
[Allow(Role.Committee, Role.Reviewer)]
public sealed record ApproveSample(long CommunityId, long ThingId) : IRequest<Outcome<string>>, IApproval;

public sealed class ApproveSampleHandler : IRequestHandler<ApproveSample, Outcome<string>>
{
    public Task<Outcome<string>> Handle(ApproveSample request, CancellationToken ct) => Task.FromResult<Outcome<string>>($"approved {request.ThingId}");
}

/// <summary>Thing 1 was recorded by user 7, thing 2 by user 8.</summary>
public sealed class SampleRecorders : IRecorderOf<ApproveSample>
{
    public Task<long?> RecorderAsync(ApproveSample request, CancellationToken ct) => Task.FromResult<long?>(request.ThingId == 1 ? 7 : 8);
}

/// <summary>An approval request without a registered recorder lookup: must fail closed.</summary>
[Allow(Role.Committee)]
public sealed record ApproveWithoutLookup(long CommunityId) : IRequest<Outcome<string>>, IApproval;

public sealed class ApproveWithoutLookupHandler : IRequestHandler<ApproveWithoutLookup, Outcome<string>>
{
    public Task<Outcome<string>> Handle(ApproveWithoutLookup request, CancellationToken ct) => Task.FromResult<Outcome<string>>("approved");
}

/// <summary>A request that declares no access rule: the pipeline refuses it outright.</summary>
public sealed record Undeclared(long CommunityId) : IRequest<Outcome<string>>, ICommunityScoped;

public sealed class UndeclaredHandler : IRequestHandler<Undeclared, Outcome<string>>
{
    public Task<Outcome<string>> Handle(Undeclared request, CancellationToken ct) => Task.FromResult<Outcome<string>>("ran");
}

/// <summary>The authorization and audit behaviours, through the real pipeline with callers set directly.</summary>
public abstract class PipelineAuthorizationTests(DatabaseProvider provider)
{
    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    private ServiceProvider _services = null!;
    private TestDatabase _db = null!;
    private TestCommunity _a = null!;
    private TestCommunity _b = null!;

    [SetUp]
    public async Task Create()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _a = await _db.NewCommunityAsync();
        _b = await _db.NewCommunityAsync();
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(new FakeClock(TestDatabase.DefaultNow))
            .AddPointsBank(_db.Services.GetRequiredService<DatabaseOptions>())
            .AddTransient<IRequestHandler<ApproveSample, Outcome<string>>, ApproveSampleHandler>()
            .AddTransient<IRequestHandler<ApproveWithoutLookup, Outcome<string>>, ApproveWithoutLookupHandler>()
            .AddTransient<IRequestHandler<Undeclared, Outcome<string>>, UndeclaredHandler>()
            .AddSingleton<IRecorderOf<ApproveSample>, SampleRecorders>()
            .BuildServiceProvider();
    }

    [TearDown]
    public async Task Drop()
    {
        await _services.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<T> As<T>(Caller caller, IRequest<T> request)
    {
        using var scope = _services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = caller;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private static Caller User(long id, long community, Role role, long? grid = null) =>
        Caller.User(id, $"user{id}", [new RoleGrant(community, role, grid)]);

    [Test]
    public async Task Approval_ByTheRecorder_IsRefused_ByAnotherUser_Passes()
    {
        var own = As(User(7, _a.Id, Role.Committee), new ApproveSample(_a.Id, ThingId: 1));
        var other = await As(User(7, _a.Id, Role.Committee), new ApproveSample(_a.Id, ThingId: 2));

        var refused = Assert.ThrowsAsync<ForbiddenException>(async () => await own);
        Assert.That(refused!.Code, Is.EqualTo("self_approval"));
        Assert.That(other.Value, Is.EqualTo("approved 2"));
    }

    [Test]
    public void Approval_WithoutARecorderLookup_FailsClosed()
    {
        Assert.ThrowsAsync<InvalidOperationException>(() => As(User(7, _a.Id, Role.Committee), new ApproveWithoutLookup(_a.Id)));
    }

    [Test]
    public void Request_WithoutAnAccessRule_IsRefusedEvenForTheCommandLine()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(() => As(Caller.Cli("test"), new Undeclared(_a.Id)));

        Assert.That(error!.Message, Does.Contain("declares no access rule"));
    }

    // An award by the default catalogue's 参加义务劳动 (+5, recordable by the committee and inspectors).
    private static AwardPoints Labour(long community, long account, string key) =>
        new(community, account, null, null, null, null, key, RuleCode: "public_labour");

    [Test]
    public async Task Committee_OfCommunityA_CannotReadOrWriteCommunityB()
    {
        var (accountB, _) = await _b.NewHouseholdAccountAsync();
        await _b.PostAsync(_b.Award(accountB, 10));
        var committeeOfA = User(1, _a.Id, Role.Committee);

        Assert.ThrowsAsync<ForbiddenException>(() => As(committeeOfA, new GetBalance(_b.Id, accountB)));
        Assert.ThrowsAsync<ForbiddenException>(() => As(committeeOfA, Labour(_b.Id, accountB, "x1")));
        // Guessing B's account id under A's own community: not found, and nothing moves.
        var guessed = await As(committeeOfA, Labour(_a.Id, accountB, "x2"));
        var read = await As(committeeOfA, new GetBalance(_a.Id, accountB));

        Assert.That(guessed.Failure!.Code, Is.EqualTo("account_not_found"));
        Assert.That(read.Failure!.Code, Is.EqualTo("account_not_found"));
        Assert.That((await _b.BalanceAsync(accountB)).Balance, Is.EqualTo(10));
    }

    [Test]
    public async Task Inspector_LimitedToAGrid_ActsOnlyOnHouseholdsOfThatGrid()
    {
        var gridIn = (await _db.Mediator.Send(new PointsBank.Features.Communities.AddGrid(_a.Id, "一组"))).Value!.GridId;
        var gridOut = (await _db.Mediator.Send(new PointsBank.Features.Communities.AddGrid(_a.Id, "二组"))).Value!.GridId;
        var inside = await HouseholdAccountIn(gridIn);
        var outside = await HouseholdAccountIn(gridOut);
        var inspector = User(3, _a.Id, Role.Inspector, grid: gridIn);

        var allowed = await As(inspector, Labour(_a.Id, inside, "g1"));

        Assert.That(allowed.Succeeded, Is.True);
        Assert.ThrowsAsync<ForbiddenException>(() => As(inspector, Labour(_a.Id, outside, "g2")));
        Assert.That((await _a.BalanceAsync(outside)).Balance, Is.Zero);
    }

    [Test]
    public void RoleNotAllowed_IsForbidden_AndAnonymousIsUnauthenticated()
    {
        Assert.ThrowsAsync<ForbiddenException>(() => As(User(4, _a.Id, Role.Shopkeeper), new ReverseTransaction(_a.Id, 1, "x", "k")));
        Assert.ThrowsAsync<NotAuthenticatedException>(() => As(Caller.Anonymous, new GetBalance(_a.Id, 1)));
    }

    [Test]
    public async Task AuditRows_RecordWrites_AndDeniedAttempts()
    {
        var (account, _) = await _a.NewHouseholdAccountAsync();
        var committee = User(11, _a.Id, Role.Committee);
        var shopkeeper = User(12, _a.Id, Role.Shopkeeper);

        await As(committee, Labour(_a.Id, account, "audit-1"));
        Assert.ThrowsAsync<ForbiddenException>(() => As(shopkeeper, Labour(_a.Id, account, "audit-2")));
        Assert.ThrowsAsync<NotAuthenticatedException>(() => As(Caller.Anonymous, new DeductPoints(_a.Id, account, null, null, null, null, "audit-3", RuleCode: "littering", EvidenceNote: "x")));
        await As(committee, new GetBalance(_a.Id, account));

        await using var connection = await _db.Db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Actor, string Action, string Outcome)>(
            "SELECT actor, action, outcome FROM audit_log WHERE community_id = @c ORDER BY id", new { c = _a.Id })).ToList();
        Assert.That(rows, Does.Contain(("user:user11", "AwardPoints", "ok")));
        Assert.That(rows, Does.Contain(("user:user12", "AwardPoints", "denied:forbidden")));
        Assert.That(rows, Does.Contain(("anonymous", "DeductPoints", "denied:unauthenticated")));
        Assert.That(rows.Select(r => r.Action), Has.None.EqualTo("GetBalance"), "allowed reads are not audited");
    }

    private async Task<long> HouseholdAccountIn(long grid)
    {
        var household = await _db.Mediator.Send(new PointsBank.Features.Communities.AddHousehold(_a.Id, grid, $"h-{Guid.NewGuid():N}"[..12]));
        var account = await _db.Mediator.Send(new PointsBank.Features.Accounts.OpenAccount(_a.Id, "household", household.Value!.HouseholdId));
        return account.Value!.AccountId;
    }
}

[TestFixture]
public sealed class SqlitePipelineAuthorizationTests() : PipelineAuthorizationTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPipelineAuthorizationTests() : PipelineAuthorizationTests(DatabaseProvider.SqlServer);
