using System.Reflection;
using System.Runtime.CompilerServices;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Identity;

/// <summary>
/// The authorization matrix over every request type in the app and every kind of caller (DESIGN §9): public,
/// card holder, any signed-in staff user, roles. The HTTP matrix (AuthorizationMatrixTests) covers the endpoints with
/// signed-in users and anonymous callers; this one covers the kinds no endpoint authenticates yet (a card holder) and
/// requests no endpoint sends, straight through the pipeline's authorization step. On every engine, on a database of its
/// own: the invented ids below (community 7, account 70, shop 700) must name nothing, as on a fresh SQLite file.
/// </summary>
public abstract class AccessKindMatrixTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private const long Community = 7;
    private const long Account = 70;
    private const long Shop = 700;

    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase() => _db = await TestDatabase.CreateOwnAsync(Provider);

    [OneTimeTearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    private static IEnumerable<Type> RequestTypes() =>
        typeof(PointsBank.Ledger.PointsLedger).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false }
                        && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequest<>)))
            .OrderBy(t => t.Name);

    [Test]
    public void EveryRequest_DeclaresExactlyOneKindOfAccess()
    {
        var problems = new List<string>();
        foreach (var type in RequestTypes())
        {
            var declared = new[] { typeof(PublicAccessAttribute), typeof(AnyStaffAttribute), typeof(AllowAttribute) }
                .Count(a => type.GetCustomAttribute(a) is not null);
            if (declared != 1 && !(declared == 0 && type.GetCustomAttribute<CardHolderAttribute>() is not null))
            {
                problems.Add($"{type.Name} declares {declared} of [PublicAccess], [AnyStaff], [Allow]");
            }
        }

        Assert.That(problems, Is.Empty);
        Assert.That(RequestTypes().Count(), Is.GreaterThan(40));
    }

    [Test]
    public async Task ACardHolder_MaySendOnlyCardHolderRequests_AboutItsOwnAccount()
    {
        var card = Caller.CardHolder(new CardGrant(1, Community, Account));
        var mismatches = new List<string>();
        var allowedSomewhere = 0;
        foreach (var type in RequestTypes())
        {
            var rule = AccessRule.For(type)!;
            var own = await AuthorizeAsync(type, card, Community, Account);
            var otherAccount = await AuthorizeAsync(type, card, Community, Account + 1);
            var otherCommunity = await AuthorizeAsync(type, card, Community + 1, Account);
            var expectOwn = rule.IsPublic || (rule.CardHolder && typeof(IAccountScoped).IsAssignableFrom(type));
            var expectOther = rule.IsPublic;
            allowedSomewhere += own == "allowed" && !rule.IsPublic ? 1 : 0;
            if ((own == "allowed") != expectOwn || (otherAccount == "allowed") != expectOther || (otherCommunity == "allowed") != expectOther)
            {
                mismatches.Add($"{type.Name}: own account {own}, another account {otherAccount}, another community {otherCommunity}");
            }
        }

        Assert.That(mismatches, Is.Empty);
        Assert.That(allowedSomewhere, Is.GreaterThanOrEqualTo(2), "a card reads at least its balance and history");
    }

    [Test]
    public async Task AnyStaffRequests_AreOpenToEveryRole_InTheirCommunity_AndToNoOneOutside()
    {
        var mismatches = new List<string>();
        foreach (var type in RequestTypes().Where(t => AccessRule.For(t) is { AnyStaff: true }))
        {
            // The township role is not staff: in a community it reads only the township summary.
            var township = await AuthorizeAsync(type, Caller.User(98, "township", [new RoleGrant(Community, Role.Township)]), Community, Account);
            if (township != (typeof(ICommunityScoped).IsAssignableFrom(type) ? "forbidden" : "allowed"))
            {
                mismatches.Add($"{type.Name} as township: {township}");
            }
            foreach (var role in Roles.Staff)
            {
                // A shopkeeper is bound to a shop; a request about one shop (IShopScoped) is theirs only for that shop.
                var user = Caller.User(99, "staff", [new RoleGrant(Community, role, ShopId: role == Role.Shopkeeper ? Shop : null)]);
                var own = await AuthorizeAsync(type, user, Community, Account);
                var scoped = typeof(ICommunityScoped).IsAssignableFrom(type);
                var other = await AuthorizeAsync(type, user, Community + 1, Account);
                if (own != "allowed" || (scoped && other != "forbidden"))
                {
                    mismatches.Add($"{type.Name} as {role}: own {own}, other community {other}");
                }
            }
            var anonymous = await AuthorizeAsync(type, Caller.Anonymous, Community, Account);
            if (anonymous != "unauthenticated")
            {
                mismatches.Add($"{type.Name} anonymously: {anonymous}");
            }
        }

        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public async Task RoleRequests_AreOpenToTheirRolesOnly_AndPublicOnesToAnyone()
    {
        var mismatches = new List<string>();
        foreach (var type in RequestTypes())
        {
            var rule = AccessRule.For(type)!;
            if (rule.AnyStaff)
            {
                continue;
            }
            foreach (var role in Roles.All)
            {
                var user = Caller.User(99, "staff", [new RoleGrant(Community, role, ShopId: role == Role.Shopkeeper ? Shop : null)]);
                var outcome = await AuthorizeAsync(type, user, Community, Account);
                var expected = rule.IsPublic || ((typeof(ICommunityScoped).IsAssignableFrom(type) || typeof(IAcrossCommunities).IsAssignableFrom(type))
                                                 && rule.Roles.Contains(role)) ? "allowed" : "forbidden";
                if (outcome != expected)
                {
                    mismatches.Add($"{type.Name} as {role}: expected {expected}, got {outcome}");
                }
            }
            if (rule.IsPublic && await AuthorizeAsync(type, Caller.Anonymous, Community, Account) != "allowed")
            {
                mismatches.Add($"{type.Name} is public but refused an anonymous caller");
            }
        }

        Assert.That(mismatches, Is.Empty);
    }

    // Runs only the authorization step for a request of the type, with its community and account set.
    private async Task<string> AuthorizeAsync(Type requestType, Caller caller, long communityId, long accountId)
    {
        var request = RuntimeHelpers.GetUninitializedObject(requestType);
        Set(request, nameof(ICommunityScoped.CommunityId), communityId);
        Set(request, nameof(IAccountScoped.AccountId), accountId);
        Set(request, nameof(IShopScoped.ShopId), Shop);
        var responseType = requestType.GetInterfaces().First(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequest<>))
            .GetGenericArguments()[0];
        await using var scope = _db.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = caller;
        var behaviorType = typeof(AuthorizationBehavior<,>).MakeGenericType(requestType, responseType);
        var behavior = ActivatorUtilities.CreateInstance(scope.ServiceProvider, behaviorType);
        var next = typeof(AccessKindMatrixTests).GetMethod(nameof(Next), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(responseType).Invoke(null, null)!;
        try
        {
            var task = (Task)behaviorType.GetMethod("Handle")!.Invoke(behavior, [request, CancellationToken.None, next])!;
            await task;
            return "allowed";
        }
        catch (NotAuthenticatedException)
        {
            return "unauthenticated";
        }
        catch (ForbiddenException)
        {
            return "forbidden";
        }
        catch (InvalidOperationException e) when (e.Message.Contains("IRecorderOf", StringComparison.Ordinal))
        {
            return "allowed"; // an approval: the role check passed, the recorder lookup needs real data
        }
    }

    private static RequestHandlerDelegate<T> Next<T>() => () => Task.FromResult(default(T)!);

    private static void Set(object request, string name, long value)
    {
        if (request.GetType().GetProperty(name) is { } property && property.PropertyType == typeof(long))
        {
            property.SetValue(request, value);
        }
    }
}

[TestFixture]
public sealed class SqliteAccessKindMatrixTests() : AccessKindMatrixTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAccessKindMatrixTests() : AccessKindMatrixTests(DatabaseProvider.SqlServer);
