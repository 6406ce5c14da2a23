using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Tests.Features.Policy;
using PointsBank.Tests.Support;


namespace PointsBank.Tests.Http;

/// <summary>
/// Every endpoint the app maps × every role (and anonymous, and a system administrator) × the caller's own
/// community and another one → the status the endpoint's declared access implies. Built from the app's own
/// endpoint list: a new endpoint without declared access, or without a sample request here, fails the test.
/// On every engine (the host over a database of its own, <see cref="AppFactory"/>).
/// </summary>
public abstract partial class AuthorizationMatrixTests(PointsBank.Data.DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private readonly Dictionary<string, Principal> _principals = [];
    private Community _own = null!;
    private Community _other = null!;

    /// <summary>Who calls: a demo user (or a user made here) with the roles it holds.</summary>
    private sealed record Principal(string Name, string? Username, string? Password, Role? Role, bool SystemAdmin, HttpClient Client);

    /// <summary>A community the matrix acts in, with an account the grid-limited demo inspector may act on.</summary>
    private sealed record Community(long Id, long AccountId, long GridId);

    /// <summary>What a sample needs to build a request that succeeds when authorized.</summary>
    private sealed record SampleContext(AuthorizationMatrixTests Test, Community Community, Principal Principal)
    {
        public string C => $"/api/v1/communities/{Community.Id}";
        public static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..16];
    }

    private sealed record SampleRequest(string Path, object? Body = null, bool IdempotencyKey = false, Func<HttpContent>? Content = null);

    [OneTimeSetUp]
    public async Task SetUpPrincipalsAndCommunities()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        var db = _app.Services.GetRequiredService<System.Data.Common.DbDataSource>();
        await using var connection = await db.OpenConnectionAsync();
        var ownId = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT id FROM communities WHERE code = 'demo'");
        var inspectorGrid = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
            "SELECT grid_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'inspector'");
        var ownAccount = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, """
            SELECT MIN(a.id) FROM accounts a JOIN households h ON h.id = a.household_id
             WHERE a.community_id = @c AND h.grid_id = (SELECT grid_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'inspector')
            """, new { c = ownId });
        _own = new Community(ownId, ownAccount, inspectorGrid);
        // Awards and deductions are by rule: fixed 1-point test rules without caps, since every allowed role awards the same account.
        await TestRules.AwardAsync(_app.Services, ownId, 1);
        await TestRules.DeductAsync(_app.Services, ownId, 1);

        var otherId = (await Cli(new CreateCommunity("other", "邻村"))).Value!.CommunityId;
        _other = new Community(otherId, await NewAccountAsync(otherId), await NewGridAsync(otherId));
        await Cli(new PointsBank.Features.Users.AddCommunityUser(ownId, "cadmin", "社区管理员", "cadmin-password-1", "admin"));
        await Cli(new PointsBank.Features.Users.CreateUser("spare", "备用用户", "spare-password-1"));

        _principals["anonymous"] = new Principal("anonymous", null, null, null, false, _app.CreateClient());
        _principals["system admin"] = new Principal("system admin", "admin", "admin-demo-2026", Role.Admin, true, await _app.ClientAsAsync("admin"));
        _principals["admin"] = new Principal("admin", "cadmin", "cadmin-password-1", Role.Admin, false, await ClientWithPassword("cadmin", "cadmin-password-1"));
        foreach (var role in new[] { Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer, Role.Shopkeeper, Role.Township })
        {
            var name = role.ToDb();
            _principals[name] = new Principal(name, name, name + AppFactory.DemoPasswordSuffix, role, false, await _app.ClientAsAsync(name));
        }
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        foreach (var principal in _principals.Values)
        {
            principal.Client.Dispose();
        }
        await _app.DisposeAsync();
    }

    private IReadOnlyList<RouteEndpoint> Endpoints() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    private static string Describe(RouteEndpoint e) =>
        $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} /{e.RoutePattern.RawText?.TrimStart('/')}";

    [Test]
    public void EveryEndpoint_DeclaresWhoMayCallIt()
    {
        var undeclared = Endpoints().Where(e => e.Metadata.GetMetadata<EndpointAccess>() is null).Select(Describe).ToList();

        Assert.That(undeclared, Is.Empty, "endpoints without EndpointAccess metadata (.Sends<TRequest>() or .PublicEndpoint())");
    }

    [Test]
    public async Task EveryApiEndpoint_ByEveryRole_InOwnAndOtherCommunity_GivesTheExpectedStatus()
    {
        var mismatches = new List<string>();
        var checkedCount = 0;
        foreach (var endpoint in Endpoints().Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true
                                                        || e.RoutePattern.RawText?.StartsWith("/health", StringComparison.Ordinal) == true))
        {
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single();
            var pattern = endpoint.RoutePattern.RawText!;
            var key = $"{method} {pattern}";
            if (!Samples.TryGetValue(key, out var sample))
            {
                mismatches.Add($"{key}: no sample request in AuthorizationMatrixTests.Samples — add one");
                continue;
            }
            var access = endpoint.Metadata.GetMetadata<EndpointAccess>()!;
            var scoped = pattern.Contains("{communityId", StringComparison.Ordinal);
            foreach (var principal in _principals.Values)
            {
                foreach (var community in scoped ? new[] { _own, _other } : [_own])
                {
                    var expected = Expected(access, principal, scoped, community == _own);
                    var request = await sample(new SampleContext(this, community, principal));
                    var actual = await SendAsync(principal.Client, method, request);
                    checkedCount++;
                    if (!Matches(expected, actual.Status))
                    {
                        mismatches.Add($"{key} as {principal.Name} in {(community == _own ? "own" : "other")} community: expected {expected}, got {(int)actual.Status} {actual.Body}");
                    }
                }
            }
        }

        Assert.That(mismatches, Is.Empty);
        Assert.That(checkedCount, Is.GreaterThan(100), "the matrix must actually have run");
    }

    private enum Expect { Success, Unauthorized, Forbidden }

    private static Expect Expected(EndpointAccess access, Principal principal, bool scoped, bool own)
    {
        if (access.IsPublic)
        {
            return Expect.Success;
        }
        if (principal.Role is null)
        {
            return Expect.Unauthorized;
        }
        if (principal.SystemAdmin && access.Roles.Contains(Role.Admin))
        {
            return Expect.Success;
        }
        if (!scoped)
        {
            // Any staff (and a township user): signed in is enough; over the caller's communities: an allowed role in one.
            return access.Kinds.Contains(AccessKind.AnyStaff)
                   || (typeof(IAcrossCommunities).IsAssignableFrom(access.Request) && access.Roles.Contains(principal.Role.Value))
                ? Expect.Success
                : Expect.Forbidden;
        }
        return own && access.Roles.Contains(principal.Role.Value) ? Expect.Success : Expect.Forbidden;
    }

    private static bool Matches(Expect expected, HttpStatusCode actual) => expected switch
    {
        Expect.Success => (int)actual is >= 200 and < 300,
        Expect.Unauthorized => actual == HttpStatusCode.Unauthorized,
        _ => actual == HttpStatusCode.Forbidden,
    };

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, string method, SampleRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(method), request.Path);
        if (request.Body is not null)
        {
            message.Content = JsonContent.Create(request.Body);
        }
        if (request.Content is not null)
        {
            message.Content = request.Content();
        }
        if (request.IdempotencyKey)
        {
            message.Headers.Add("Idempotency-Key", SampleContext.Unique("k"));
        }
        using var response = await client.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length > 300 ? body[..300] : body);
    }

    // ---- setting up data as the operator at the command line, outside the matrix ----

    private async Task<T> Cli<T>(IRequest<T> request)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli("matrix");
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private async Task<long> NewHouseholdAsync(long communityId, long? gridId = null) =>
        (await Cli(new AddHousehold(communityId, gridId, SampleContext.Unique("h")))).Value!.HouseholdId;

    private async Task<string> NewUserAsync()
    {
        var username = SampleContext.Unique("u");
        await Cli(new PointsBank.Features.Users.CreateUser(username, "矩阵用户", "a-long-password"));
        return username;
    }

    private async Task<long> NewGridAsync(long communityId) => (await Cli(new AddGrid(communityId, SampleContext.Unique("g")))).Value!.GridId;

    /// <summary>A resident of a household in the community's sample grid (so the grid-limited inspector may see it).</summary>
    private async Task<long> NewResidentAsync(Community community) =>
        (await Cli(new AddResident(community.Id, await NewHouseholdAsync(community.Id, community.GridId), "矩阵居民"))).Value!.ResidentId;

    /// <summary>In the own community the demo shopkeeper's shop (a shopkeeper acts only for it); elsewhere a new shop.</summary>
    private async Task<long> ShopForAsync(SampleContext s)
    {
        if (s.Community.Id != _own.Id)
        {
            return await NewShopAsync(s.Community.Id);
        }
        await using var connection = await _app.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
            "SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'");
    }

    private async Task<long> NewShopAsync(long communityId) => (await Cli(new AddShop(communityId, SampleContext.Unique("s")))).Value!.ShopId;

    /// <summary>
    /// The shop a shop-bound sample acts on: in the demo community the demo shopkeeper's own shop (so the shopkeeper is
    /// in scope there), elsewhere a fresh shop.
    /// </summary>
    private async Task<long> SampleShopAsync(long communityId) => communityId == _own.Id
        ? await _app.ScalarAsync<long>("SELECT r.shop_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = 'shopkeeper'")
        : await NewShopAsync(communityId);

    /// <summary>A fresh product with a little stock, in the sample shop; returns the shop and the product.</summary>
    private async Task<(long Shop, long Product)> NewProductAsync(long communityId)
    {
        var shop = await SampleShopAsync(communityId);
        var product = (await Cli(new PointsBank.Features.Shops.AddProduct(communityId, shop, SampleContext.Unique("p"), 10, "袋"))).Value!.Id;
        await Cli(new PointsBank.Features.Shops.RecordStockMovement(communityId, shop, product, "restock", 5));
        return (shop, product);
    }

    private async Task<long> NewAccountAsync(long communityId) =>
        (await Cli(new PointsBank.Features.Accounts.OpenAccount(communityId, "household", await NewHouseholdAsync(communityId)))).Value!.AccountId;

    /// <summary>Lets residents of the community give points to neighbours, keeping the rest of its policy.</summary>
    private async Task AllowTransfersAsync(long communityId)
    {
        var policy = (await Cli(new PointsBank.Features.Policy.GetPolicy(communityId))).Value!;
        var updated = await Cli((policy with { TransfersAllowed = true, TransferScope = "community" }).Replacing(communityId));
        Assert.That(updated.Failure, Is.Null);
    }

    private static string Yesterday => DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A claim submitted at the command line (so no user of the matrix submitted it), approved if asked.</summary>
    private async Task<long> NewClaimAsync(Community community, bool approved = false)
    {
        var claim = await Cli(new PointsBank.Features.Claims.SubmitClaim(community.Id, community.AccountId, null, "mediation", null,
            DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)), "矩阵测试：调解纠纷"));
        Assert.That(claim.Failure, Is.Null, claim.Failure?.Detail);
        if (approved)
        {
            var approval = await Cli(new PointsBank.Features.Claims.ApproveClaim(community.Id, claim.Value!.Id));
            Assert.That(approval.Failure, Is.Null, approval.Failure?.Detail);
        }
        return claim.Value!.Id;
    }

    /// <summary>A claim the principal submitted itself where it may submit (the submitter withdraws), else one from the command line.</summary>
    private async Task<long> OwnClaimAsync(SampleContext s)
    {
        var body = new { accountId = s.Community.AccountId, ruleCode = "mediation", occurredOn = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd"), evidenceNote = "矩阵测试：自己申报" };
        using var response = await s.Principal.Client.PostAsJsonAsync($"{s.C}/claims", body);
        return response.IsSuccessStatusCode
            ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()
            : await NewClaimAsync(s.Community);
    }

    /// <summary>An undecided objection (raised at the command line) to an approved claim.</summary>
    private async Task<long> NewObjectionAsync(Community community)
    {
        var objection = await Cli(new PointsBank.Features.Claims.ObjectToClaim(community.Id, await NewClaimAsync(community, approved: true), "矩阵测试：有异议"));
        Assert.That(objection.Failure, Is.Null, objection.Failure?.Detail);
        return objection.Value!.Id;
    }

    /// <summary>A fresh award to reverse, posted straight through the ledger.</summary>
    private async Task<long> NewAwardSeqAsync(Community community)
    {
        var ledger = _app.Services.GetRequiredService<PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community.Id, SystemAccount.Issuance))!.Value;
        var result = await ledger.PostAsync(new LedgerEntry(community.Id, TransactionKind.Award, Categories.GoodDeed, SampleContext.Unique("m"),
            "矩阵测试", "cli:matrix", [new PostingLine(issuance, -1), new PostingLine(community.AccountId, 1)]));
        return result.Transaction!.Seq;
    }

    /// <summary>An active card of a fresh household account, issued at the command line.</summary>
    private async Task<long> NewCardAsync(Community community)
    {
        var issued = await Cli(new PointsBank.Features.Cards.IssueCard(community.Id, await NewAccountAsync(community.Id)));
        Assert.That(issued.Failure, Is.Null, issued.Failure?.Detail);
        return issued.Value!.CardId;
    }

    /// <summary>A fresh household account with an active card.</summary>
    private async Task<long> NewAccountWithCardAsync(Community community)
    {
        var account = await NewAccountAsync(community.Id);
        await Cli(new PointsBank.Features.Cards.IssueCard(community.Id, account));
        return account;
    }

    private async Task<HttpClient> ClientWithPassword(string username, string password)
    {
        using var anonymous = _app.CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password, name = "matrix" });
        response.EnsureSuccessStatusCode();
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        return client;
    }

    private async Task<long> OwnTokenIdAsync(Principal principal)
    {
        if (principal.Username is null)
        {
            return 1;
        }
        using var anonymous = _app.CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = principal.Username, password = principal.Password, name = "to-revoke" });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokenId").GetInt64();
    }

    private static object SampleRule(string code) => new
    {
        code, nameZh = "矩阵细则", nameEn = "Matrix rule", category = "good_deed", formula = new { kind = "fixed", points = 5 }, recordedBy = new[] { "committee" },
    };

    private static readonly object SampleAdoption = new { meeting = "2026年第3次村民代表大会", adoptedOn = "2026-03-01" };

    /// <summary>One request per endpoint that succeeds when the caller is allowed. Keyed by "METHOD route pattern".</summary>
    private static readonly Dictionary<string, Func<SampleContext, Task<SampleRequest>>> Samples = new()
    {
        ["GET /health/live"] = _ => Task.FromResult(new SampleRequest("/health/live")),
        ["GET /health/ready"] = _ => Task.FromResult(new SampleRequest("/health/ready")),
        ["POST /api/v1/auth/token"] = _ => Task.FromResult(new SampleRequest("/api/v1/auth/token",
            new { username = "reviewer", password = "reviewer" + AppFactory.DemoPasswordSuffix, name = "matrix" })),
        ["GET /api/v1/me"] = _ => Task.FromResult(new SampleRequest("/api/v1/me")),
        ["GET /api/v1/me/tokens"] = _ => Task.FromResult(new SampleRequest("/api/v1/me/tokens")),
        ["DELETE /api/v1/me/tokens/{tokenId:long}"] = async s => new SampleRequest($"/api/v1/me/tokens/{await s.Test.OwnTokenIdAsync(s.Principal)}"),
        ["POST /api/v1/users"] = s => Task.FromResult(new SampleRequest("/api/v1/users",
            new { username = SampleContext.Unique("u"), displayName = "新用户", password = "a-long-password" })),
        ["POST /api/v1/communities"] = s => Task.FromResult(new SampleRequest("/api/v1/communities",
            new { code = SampleContext.Unique("c"), name = "新社区" })),
        ["POST /api/v1/users/{username}/deactivate"] = async s =>
            new SampleRequest($"/api/v1/users/{await s.Test.NewUserAsync()}/deactivate"),
        ["POST /api/v1/users/{username}/reactivate"] = async s =>
            new SampleRequest($"/api/v1/users/{await s.Test.NewUserAsync()}/reactivate"),
        ["GET /api/v1/audit"] = _ => Task.FromResult(new SampleRequest("/api/v1/audit")),
        ["GET /api/v1/communities/{communityId:long}/users"] = s => Task.FromResult(new SampleRequest($"{s.C}/users")),
        ["POST /api/v1/communities/{communityId:long}/users"] = s => Task.FromResult(new SampleRequest($"{s.C}/users",
            new { username = SampleContext.Unique("u"), displayName = "新委员", password = "a-long-password", role = "reviewer" })),
        ["POST /api/v1/communities/{communityId:long}/roles"] = s => Task.FromResult(new SampleRequest($"{s.C}/roles",
            new { username = "spare", role = "organizer" })),
        ["DELETE /api/v1/communities/{communityId:long}/roles/{username}/{role}"] = async s =>
        {
            await s.Test.Cli(new PointsBank.Features.Users.GrantRole(s.Community.Id, "spare", "reviewer"));
            return new SampleRequest($"{s.C}/roles/spare/reviewer");
        },
        ["GET /api/v1/communities/{communityId:long}/audit"] = s => Task.FromResult(new SampleRequest($"{s.C}/audit")),
        ["GET /api/v1/communities/{communityId:long}/accounts/{accountId:long}/balance"] = s =>
            Task.FromResult(new SampleRequest($"{s.C}/accounts/{s.Community.AccountId}/balance")),
        ["GET /api/v1/communities/{communityId:long}/accounts/{accountId:long}/history"] = s =>
            Task.FromResult(new SampleRequest($"{s.C}/accounts/{s.Community.AccountId}/history")),
        ["GET /api/v1/communities/{communityId:long}/transactions/{seq:long}"] = async s =>
            new SampleRequest($"{s.C}/transactions/{await s.Test.NewAwardSeqAsync(s.Community)}"),
        ["GET /api/v1/communities/{communityId:long}/accounts"] = s =>
            Task.FromResult(new SampleRequest($"{s.C}/accounts?q=1&gridId={s.Community.GridId}")),
        ["POST /api/v1/communities/{communityId:long}/accounts"] = async s =>
            new SampleRequest($"{s.C}/accounts", new { kind = "household", ownerId = await s.Test.NewHouseholdAsync(s.Community.Id) }),
        ["POST /api/v1/communities/{communityId:long}/awards"] = s => Task.FromResult(new SampleRequest($"{s.C}/awards",
            new { accountId = s.Community.AccountId, ruleCode = TestRules.AwardCode(1), evidenceNote = "矩阵测试" }, IdempotencyKey: true)),
        ["POST /api/v1/communities/{communityId:long}/inspections"] = async s =>
        {
            // A fresh household of the sample grid, with its account, graded this month (a household is graded once a month).
            var household = await s.Test.NewHouseholdAsync(s.Community.Id, s.Community.GridId);
            await s.Test.Cli(new PointsBank.Features.Accounts.OpenAccount(s.Community.Id, "household", household));
            var month = DateTime.UtcNow.AddHours(8).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            return new SampleRequest($"{s.C}/inspections", new
            {
                gridId = s.Community.GridId, ruleCode = "waste_sorting", period = month,
                grades = new[] { new { householdId = household, grade = "优" } },
            }, IdempotencyKey: true);
        },
        ["POST /api/v1/communities/{communityId:long}/deductions"] = s => Task.FromResult(new SampleRequest($"{s.C}/deductions",
            new { accountId = s.Community.AccountId, ruleCode = TestRules.DeductCode(1), evidenceNote = "矩阵测试" }, IdempotencyKey: true)),
        ["POST /api/v1/communities/{communityId:long}/transactions/{seq:long}/reversal"] = async s =>
            new SampleRequest($"{s.C}/transactions/{await s.Test.NewAwardSeqAsync(s.Community)}/reversal", new { reason = "矩阵测试" }, IdempotencyKey: true),
        ["POST /api/v1/communities/{communityId:long}/transfers"] = async s =>
        {
            var (from, to) = (await s.Test.NewAccountAsync(s.Community.Id), await s.Test.NewAccountAsync(s.Community.Id));
            await s.Test.AllowTransfersAsync(s.Community.Id);
            await s.Test.NewAwardSeqAsync(s.Community with { AccountId = from });
            return new SampleRequest($"{s.C}/transfers", new { fromAccountId = from, toAccountId = to, points = 1, note = "矩阵测试：居民书面申请" },
                IdempotencyKey: true);
        },
        ["GET /api/v1/communities/{communityId:long}/policy"] = s => Task.FromResult(new SampleRequest($"{s.C}/policy")),
        ["PUT /api/v1/communities/{communityId:long}/policy"] = s => Task.FromResult(new SampleRequest($"{s.C}/policy", new
        {
            accountMode = "household", noticeDays = 3, penaltyPolicy = "cap", yearEnd = "carry_forward", yuanPerPoint = 1.0m,
            backdateDays = 60, transfersAllowed = true, transferScope = "community",
        })),
        // The rule catalogue: reads for every staff role, new rules and versions for the committee.
        ["GET /api/v1/communities/{communityId:long}/rules"] = s => Task.FromResult(new SampleRequest($"{s.C}/rules")),
        ["GET /api/v1/communities/{communityId:long}/rules/{code}"] = s => Task.FromResult(new SampleRequest($"{s.C}/rules/waste_sorting")),
        ["GET /api/v1/communities/{communityId:long}/rules/{code}/versions"] = s =>
            Task.FromResult(new SampleRequest($"{s.C}/rules/waste_sorting/versions")),
        ["POST /api/v1/communities/{communityId:long}/rules"] = s => Task.FromResult(new SampleRequest($"{s.C}/rules",
            new { rule = SampleRule(SampleContext.Unique("r")), adoption = SampleAdoption })),
        ["PUT /api/v1/communities/{communityId:long}/rules/{code}"] = s => Task.FromResult(new SampleRequest($"{s.C}/rules/mediation",
            new { rule = SampleRule("mediation"), adoption = SampleAdoption })),
        // Claims: staff submit, reviewers and the committee review (claims submitted at the command line, so nobody
        // here is the submitter), any staff objects, the committee decides; the 公示 list is public.
        ["POST /api/v1/communities/{communityId:long}/claims"] = s => Task.FromResult(new SampleRequest($"{s.C}/claims",
            new { accountId = s.Community.AccountId, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = "矩阵测试：调解纠纷" })),
        ["GET /api/v1/communities/{communityId:long}/claims"] = s => Task.FromResult(new SampleRequest($"{s.C}/claims?status=submitted")),
        ["POST /api/v1/communities/{communityId:long}/claims/{claimId:long}/approve"] = async s =>
            new SampleRequest($"{s.C}/claims/{await s.Test.NewClaimAsync(s.Community)}/approve", new { note = "属实" }),
        ["POST /api/v1/communities/{communityId:long}/claims/{claimId:long}/reject"] = async s =>
            new SampleRequest($"{s.C}/claims/{await s.Test.NewClaimAsync(s.Community)}/reject", new { reason = "证据不足" }),
        ["POST /api/v1/communities/{communityId:long}/claims/{claimId:long}/withdraw"] = async s =>
            new SampleRequest($"{s.C}/claims/{await s.Test.OwnClaimAsync(s)}/withdraw", new { reason = "申报人撤回" }),
        ["POST /api/v1/communities/{communityId:long}/claims/{claimId:long}/objections"] = async s =>
            new SampleRequest($"{s.C}/claims/{await s.Test.NewClaimAsync(s.Community, approved: true)}/objections", new { reason = "不属实" }),
        ["POST /api/v1/communities/{communityId:long}/objections/{objectionId:long}/decision"] = async s =>
            new SampleRequest($"{s.C}/objections/{await s.Test.NewObjectionAsync(s.Community)}/decision", new { sustain = false, reason = "经核实属实" }),
        // Cards: the committee (and admins) issue, read, print, set PINs, unlock and revoke.
        ["POST /api/v1/communities/{communityId:long}/accounts/{accountId:long}/card"] = async s =>
            new SampleRequest($"{s.C}/accounts/{await s.Test.NewAccountAsync(s.Community.Id)}/card"),
        ["GET /api/v1/communities/{communityId:long}/accounts/{accountId:long}/card"] = async s =>
            new SampleRequest($"{s.C}/accounts/{await s.Test.NewAccountWithCardAsync(s.Community)}/card"),
        ["POST /api/v1/communities/{communityId:long}/grids/{gridId:long}/cards"] = async s =>
            new SampleRequest($"{s.C}/grids/{await s.Test.NewGridAsync(s.Community.Id)}/cards"),
        ["GET /api/v1/communities/{communityId:long}/grids/{gridId:long}/cards"] = s =>
            Task.FromResult(new SampleRequest($"{s.C}/grids/{s.Community.GridId}/cards")),
        ["GET /api/v1/communities/{communityId:long}/cards/{cardId:long}/qr.png"] = async s =>
            new SampleRequest($"{s.C}/cards/{await s.Test.NewCardAsync(s.Community)}/qr.png"),
        ["GET /api/v1/communities/{communityId:long}/cards/{cardId:long}/qr.svg"] = async s =>
            new SampleRequest($"{s.C}/cards/{await s.Test.NewCardAsync(s.Community)}/qr.svg"),
        ["PUT /api/v1/communities/{communityId:long}/cards/{cardId:long}/pin"] = async s =>
            new SampleRequest($"{s.C}/cards/{await s.Test.NewCardAsync(s.Community)}/pin", new { pin = "2580" }),
        ["POST /api/v1/communities/{communityId:long}/cards/{cardId:long}/unlock"] = async s =>
            new SampleRequest($"{s.C}/cards/{await s.Test.NewCardAsync(s.Community)}/unlock", new { reason = "矩阵测试：本人到场" }),
        ["POST /api/v1/communities/{communityId:long}/cards/{cardId:long}/revoke"] = async s =>
            new SampleRequest($"{s.C}/cards/{await s.Test.NewCardAsync(s.Community)}/revoke", new { reason = "矩阵测试：卡丢了" }),
        ["GET /api/v1/communities/{communityId:long}/notices"] = s => Task.FromResult(new SampleRequest($"{s.C}/notices")),
        // The roster. Deactivate/reactivate of the community are idempotent, so the own community ends active.
        ["GET /api/v1/communities/{communityId:long}"] = s => Task.FromResult(new SampleRequest(s.C)),
        ["PUT /api/v1/communities/{communityId:long}"] = s => Task.FromResult(new SampleRequest(s.C,
            new { name = s.Community.Id == 1 ? "示范村" : "邻村", timeZone = "Asia/Shanghai", accountMode = "household", penaltyPolicy = "cap" })),
        ["POST /api/v1/communities/{communityId:long}/deactivate"] = s => Task.FromResult(new SampleRequest($"{s.C}/deactivate")),
        ["POST /api/v1/communities/{communityId:long}/reactivate"] = s => Task.FromResult(new SampleRequest($"{s.C}/reactivate")),
        ["GET /api/v1/communities/{communityId:long}/changes"] = s => Task.FromResult(new SampleRequest($"{s.C}/changes")),
        ["GET /api/v1/communities/{communityId:long}/grids"] = s => Task.FromResult(new SampleRequest($"{s.C}/grids")),
        ["GET /api/v1/communities/{communityId:long}/grids/{gridId:long}"] = s => Task.FromResult(new SampleRequest($"{s.C}/grids/{s.Community.GridId}")),
        ["POST /api/v1/communities/{communityId:long}/grids"] = s => Task.FromResult(new SampleRequest($"{s.C}/grids", new { name = SampleContext.Unique("g") })),
        ["PUT /api/v1/communities/{communityId:long}/grids/{gridId:long}"] = async s =>
            new SampleRequest($"{s.C}/grids/{await s.Test.NewGridAsync(s.Community.Id)}", new { name = SampleContext.Unique("g") }),
        ["POST /api/v1/communities/{communityId:long}/grids/{gridId:long}/deactivate"] = async s =>
            new SampleRequest($"{s.C}/grids/{await s.Test.NewGridAsync(s.Community.Id)}/deactivate"),
        ["POST /api/v1/communities/{communityId:long}/grids/{gridId:long}/reactivate"] = async s =>
            new SampleRequest($"{s.C}/grids/{await s.Test.NewGridAsync(s.Community.Id)}/reactivate"),
        ["GET /api/v1/communities/{communityId:long}/households"] = s => Task.FromResult(new SampleRequest($"{s.C}/households?gridId={s.Community.GridId}")),
        ["GET /api/v1/communities/{communityId:long}/households/{householdId:long}"] = async s =>
            new SampleRequest($"{s.C}/households/{await s.Test.NewHouseholdAsync(s.Community.Id, s.Community.GridId)}"),
        ["POST /api/v1/communities/{communityId:long}/households"] = s => Task.FromResult(new SampleRequest($"{s.C}/households",
            new { code = SampleContext.Unique("h"), gridId = s.Community.GridId })),
        ["PUT /api/v1/communities/{communityId:long}/households/{householdId:long}"] = async s =>
            new SampleRequest($"{s.C}/households/{await s.Test.NewHouseholdAsync(s.Community.Id)}", new { code = SampleContext.Unique("h"), address = "矩阵路" }),
        ["POST /api/v1/communities/{communityId:long}/households/{householdId:long}/deactivate"] = async s =>
            new SampleRequest($"{s.C}/households/{await s.Test.NewHouseholdAsync(s.Community.Id)}/deactivate"),
        ["POST /api/v1/communities/{communityId:long}/households/{householdId:long}/reactivate"] = async s =>
            new SampleRequest($"{s.C}/households/{await s.Test.NewHouseholdAsync(s.Community.Id)}/reactivate"),
        ["GET /api/v1/communities/{communityId:long}/residents"] = s => Task.FromResult(new SampleRequest($"{s.C}/residents?gridId={s.Community.GridId}")),
        ["GET /api/v1/communities/{communityId:long}/residents/{residentId:long}"] = async s =>
            new SampleRequest($"{s.C}/residents/{await s.Test.NewResidentAsync(s.Community)}"),
        ["POST /api/v1/communities/{communityId:long}/residents"] = s => Task.FromResult(new SampleRequest($"{s.C}/residents", new { fullName = "矩阵居民" })),
        ["PUT /api/v1/communities/{communityId:long}/residents/{residentId:long}"] = async s =>
            new SampleRequest($"{s.C}/residents/{await s.Test.NewResidentAsync(s.Community)}", new { fullName = "矩阵居民乙", phone = "13800000000" }),
        ["POST /api/v1/communities/{communityId:long}/residents/{residentId:long}/deactivate"] = async s =>
            new SampleRequest($"{s.C}/residents/{await s.Test.NewResidentAsync(s.Community)}/deactivate"),
        ["POST /api/v1/communities/{communityId:long}/residents/{residentId:long}/reactivate"] = async s =>
            new SampleRequest($"{s.C}/residents/{await s.Test.NewResidentAsync(s.Community)}/reactivate"),
        ["GET /api/v1/communities/{communityId:long}/shops"] = s => Task.FromResult(new SampleRequest($"{s.C}/shops")),
        ["GET /api/v1/communities/{communityId:long}/shops/{shopId:long}/statements"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.ShopForAsync(s)}/statements?month=2026-11"),
        ["GET /api/v1/communities/{communityId:long}/shops/{shopId:long}/redemptions"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.ShopForAsync(s)}/redemptions?date=2026-11-30"),
        ["GET /api/v1/communities/{communityId:long}/reports/funding"] = s => Task.FromResult(new SampleRequest($"{s.C}/reports/funding?month=2026-11")),
        ["GET /api/v1/communities/{communityId:long}/rankings/{month}"] = s => Task.FromResult(new SampleRequest($"{s.C}/rankings/2026-11?by=household")),
        ["POST /api/v1/communities/{communityId:long}/rankings/{month}/publish"] = s => Task.FromResult(new SampleRequest($"{s.C}/rankings/2026-10/publish")),
        ["GET /api/v1/communities/{communityId:long}/rankings/revisions"] = s => Task.FromResult(new SampleRequest($"{s.C}/rankings/revisions")),
        ["GET /api/v1/communities/{communityId:long}/rankings/{month}/revisions/{revision:int}"] = async s =>
            new SampleRequest($"{s.C}/rankings/{await s.Test.PublishedRankingAsync(s.Community)}"),
        ["GET /api/v1/communities/{communityId:long}/rankings/{month}/revisions/{revision:int}/proof"] = async s =>
            new SampleRequest($"{s.C}/rankings/{await s.Test.PublishedRankingAsync(s.Community)}/proof?accountId={s.Community.AccountId}"),
        ["GET /api/v1/communities/{communityId:long}/rankings/{month}/revisions/{revision:int}/verify"] = async s =>
            new SampleRequest($"{s.C}/rankings/{await s.Test.PublishedRankingAsync(s.Community)}/verify"),
        ["GET /api/v1/communities/{communityId:long}/shops/{shopId:long}"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.NewShopAsync(s.Community.Id)}"),
        ["POST /api/v1/communities/{communityId:long}/shops"] = s => Task.FromResult(new SampleRequest($"{s.C}/shops", new { name = SampleContext.Unique("s") })),
        ["PUT /api/v1/communities/{communityId:long}/shops/{shopId:long}"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.NewShopAsync(s.Community.Id)}", new { name = SampleContext.Unique("s") }),
        ["POST /api/v1/communities/{communityId:long}/shops/{shopId:long}/deactivate"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.NewShopAsync(s.Community.Id)}/deactivate"),
        ["POST /api/v1/communities/{communityId:long}/shops/{shopId:long}/reactivate"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.NewShopAsync(s.Community.Id)}/reactivate"),
        ["GET /api/v1/communities/{communityId:long}/shops/{shopId:long}/products"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.SampleShopAsync(s.Community.Id)}/products"),
        ["POST /api/v1/communities/{communityId:long}/shops/{shopId:long}/products"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.SampleShopAsync(s.Community.Id)}/products",
                new { name = SampleContext.Unique("p"), pointsPrice = 15, unit = "支" }),
        ["PUT /api/v1/communities/{communityId:long}/shops/{shopId:long}/products/{productId:long}"] = async s =>
        {
            var (shop, product) = await s.Test.NewProductAsync(s.Community.Id);
            return new SampleRequest($"{s.C}/shops/{shop}/products/{product}", new { pointsPrice = 12 });
        },
        ["POST /api/v1/communities/{communityId:long}/shops/{shopId:long}/products/{productId:long}/movements"] = async s =>
        {
            var (shop, product) = await s.Test.NewProductAsync(s.Community.Id);
            return new SampleRequest($"{s.C}/shops/{shop}/products/{product}/movements", new { kind = "donation", quantity = 2, donor = "县供销社", valueYuan = 12.5 },
                IdempotencyKey: true);
        },
        ["GET /api/v1/communities/{communityId:long}/shops/{shopId:long}/products/{productId:long}/movements"] = async s =>
        {
            var (shop, product) = await s.Test.NewProductAsync(s.Community.Id);
            return new SampleRequest($"{s.C}/shops/{shop}/products/{product}/movements");
        },
        ["GET /api/v1/communities/{communityId:long}/shops/{shopId:long}/movements"] = async s =>
            new SampleRequest($"{s.C}/shops/{await s.Test.SampleShopAsync(s.Community.Id)}/movements?from=2026-01-01"),
        // Redemption: vouchers, the counter and returns, for the committee and the shop's own shopkeeper (the demo shop).
        ["POST /api/v1/communities/{communityId:long}/vouchers"] = IssueVoucherSample,
        ["GET /api/v1/communities/{communityId:long}/vouchers/{voucherId:long}"] = async s =>
            new SampleRequest($"{s.C}/vouchers/{(await s.Test.NewVoucherAsync(s.Community)).VoucherId}"),
        ["GET /api/v1/communities/{communityId:long}/vouchers/by-code/{code}"] = async s =>
            await s.Test.NewVoucherAsync(s.Community) is var v ? new SampleRequest($"{s.C}/vouchers/by-code/{v.Code}?shopId={v.ShopId}") : null!,
        ["POST /api/v1/communities/{communityId:long}/vouchers/{voucherId:long}/cancel"] = async s =>
            new SampleRequest($"{s.C}/vouchers/{(await s.Test.NewVoucherAsync(s.Community)).VoucherId}/cancel", new { }),
        ["POST /api/v1/communities/{communityId:long}/redemptions"] = async s =>
            await s.Test.NewVoucherAsync(s.Community) is var v ? new SampleRequest($"{s.C}/redemptions", new { shopId = v.ShopId, code = v.Code }) : null!,
        ["GET /api/v1/communities/{communityId:long}/redemptions/{receiptNo}"] = async s =>
            new SampleRequest($"{s.C}/redemptions/{(await s.Test.NewReceiptAsync(s.Community)).ReceiptNo}"),
        ["POST /api/v1/communities/{communityId:long}/redemptions/{receiptNo}/return"] = async s =>
            new SampleRequest($"{s.C}/redemptions/{(await s.Test.NewReceiptAsync(s.Community)).ReceiptNo}/return", new { reason = "矩阵测试：退货" }),
        ["GET /api/v1/township"] = _ => Task.FromResult(new SampleRequest("/api/v1/township?month=2026-11")),
        // The roster workbook: template, import (a dry run, so the matrix writes nothing), export; personal data.
        ["GET /api/v1/communities/{communityId:long}/roster/template.xlsx"] = s => Task.FromResult(new SampleRequest($"{s.C}/roster/template.xlsx")),
        ["POST /api/v1/communities/{communityId:long}/roster/import"] = s => Task.FromResult(new SampleRequest($"{s.C}/roster/import?dryRun=true",
            Content: () => new ByteArrayContent(RosterWorkbook.Template()) { Headers = { ContentType = new MediaTypeHeaderValue(RosterWorkbook.ContentType) } })),
        ["GET /api/v1/communities/{communityId:long}/roster"] = s => Task.FromResult(new SampleRequest($"{s.C}/roster?format=xlsx")),
        ["POST /api/v1/communities/{communityId:long}/residents/{residentId:long}/erase"] = async s =>
        {
            var resident = await s.Test.NewResidentAsync(s.Community);
            await s.Test.Cli(new DeactivateResident(s.Community.Id, resident));
            return new SampleRequest($"{s.C}/residents/{resident}/erase", new { });
        },
        ["GET /api/v1/communities/{communityId:long}/residents/{residentId:long}/export"] = async s =>
            new SampleRequest($"{s.C}/residents/{await s.Test.NewResidentAsync(s.Community)}/export"),
    };
}

[TestFixture]
public sealed class SqliteAuthorizationMatrixTests() : AuthorizationMatrixTests(PointsBank.Data.DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAuthorizationMatrixTests() : AuthorizationMatrixTests(PointsBank.Data.DatabaseProvider.SqlServer);
