using System.Collections.Concurrent;
using System.Reflection;

namespace PointsBank.Identity;

/// <summary>The roles that may send a request. Every request declares either this or <see cref="PublicAccessAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AllowAttribute(params Role[] roles) : Attribute
{
    public IReadOnlyList<Role> Roles { get; } = roles;
}

/// <summary>Anyone may send this request, signed in or not (health, a resident's own card page).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PublicAccessAttribute : Attribute;

/// <summary>A request that acts inside one community; the caller needs an allowed role there.</summary>
public interface ICommunityScoped
{
    long CommunityId { get; }
}

/// <summary>A request about one grid: an inspector limited to some grids may only act on those.</summary>
public interface IGridScoped : ICommunityScoped
{
    long? GridId { get; }
}

/// <summary>A request about one member account: an inspector limited to grids may only act on households of those grids.</summary>
public interface IAccountScoped : ICommunityScoped
{
    long AccountId { get; }
}

/// <summary>A request about one household: an inspector limited to grids may only act on households of those grids.</summary>
public interface IHouseholdScoped : ICommunityScoped
{
    long HouseholdId { get; }
}

/// <summary>A request about one resident: an inspector limited to grids may only act on residents of households in those grids.</summary>
public interface IResidentScoped : ICommunityScoped
{
    long ResidentId { get; }
}

/// <summary>
/// A read of the community's own reference data (the community, its grids, its shops), which belongs to no grid: an
/// inspector limited to grids may send it too.
/// </summary>
public interface ICommunityWide : ICommunityScoped;

/// <summary>A request about one shop: a shopkeeper may only act for the shop they are bound to.</summary>
public interface IShopScoped : ICommunityScoped
{
    long ShopId { get; }
}

/// <summary>A request that only reads. Everything else is a write and is audited.</summary>
public interface IQuery;

/// <summary>What a request type declares about who may send it, read once per type.</summary>
public sealed record AccessRule(bool IsPublic, IReadOnlyList<Role> Roles)
{
    private static readonly ConcurrentDictionary<Type, AccessRule?> Cache = new();

    public static AccessRule? For(Type requestType) => Cache.GetOrAdd(requestType, static type =>
        type.GetCustomAttribute<PublicAccessAttribute>() is not null
            ? new AccessRule(true, PointsBank.Identity.Roles.All)
            : type.GetCustomAttribute<AllowAttribute>() is { } allow ? new AccessRule(false, allow.Roles) : null);
}

/// <summary>No one is signed in: 401.</summary>
public sealed class NotAuthenticatedException(string request) : Exception($"{request} needs a signed-in caller");

/// <summary>The caller is signed in but may not do this here: 403 with a stable code.</summary>
public sealed class ForbiddenException(string code, string detail) : Exception(detail)
{
    public string Code { get; } = code;
}

/// <summary>
/// Dual control (四眼原则): a request that approves something someone recorded. The approver must not be the recorder;
/// the authorization behaviour asks the registered <see cref="IRecorderOf{TRequest}"/> who recorded it.
/// </summary>
public interface IApproval : ICommunityScoped;

/// <summary>Finds the user who recorded the thing an <see cref="IApproval"/> request approves (null when unknown).</summary>
public interface IRecorderOf<in TRequest>
{
    Task<long?> RecorderAsync(TRequest request, CancellationToken ct);
}
