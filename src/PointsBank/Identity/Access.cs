using System.Collections.Concurrent;
using System.Reflection;

namespace PointsBank.Identity;

/// <summary>The roles that may send a request. Every request declares either this or <see cref="PublicAccessAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AllowAttribute(params Role[] roles) : Attribute
{
    public IReadOnlyList<Role> Roles { get; } = roles;
}

/// <summary>
/// Public: anyone may send this request, signed in or not (sign-in, the public 公示 list, a published ranking). A
/// public request that names a community reads only that community; its endpoints carry the public rate limit.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PublicAccessAttribute : Attribute;

/// <summary>
/// Any signed-in staff user, whatever their role: for a request that names a community, any staff role in that community
/// (an inspector still only within their grids; <see cref="Role.Township"/> is not staff); otherwise just being signed
/// in. A role added later is included without touching the request.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AnyStaffAttribute : Attribute;

/// <summary>
/// The holder of a resident's card (its token, no sign-in) may send this request about the card's own account, and
/// nothing else. Combine with <see cref="AllowAttribute"/> for the staff who may send it too.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CardHolderAttribute : Attribute;

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

/// <summary>
/// A request over every community where the caller holds one of its allowed roles (the township summary): it names
/// no community; the caller needs an allowed role in at least one, and the handler reads only those.
/// </summary>
public interface IAcrossCommunities;

/// <summary>A request that only reads. Everything else is a write and is audited.</summary>
public interface IQuery;

/// <summary>The kinds of caller a request may come from (DESIGN §9).</summary>
public enum AccessKind
{
    /// <summary>Anyone, scoped to the community the request names.</summary>
    Public,

    /// <summary>The holder of a resident's card, for that card's account only.</summary>
    CardHolder,

    /// <summary>Any signed-in staff user (with any role in the request's community, when it names one).</summary>
    AnyStaff,

    /// <summary>Staff holding one of the listed roles in the request's community.</summary>
    Roles,
}

/// <summary>What a request type declares about who may send it, read once per type.</summary>
public sealed record AccessRule(bool IsPublic, IReadOnlyList<Role> Roles, bool AnyStaff = false, bool CardHolder = false)
{
    private static readonly ConcurrentDictionary<Type, AccessRule?> Cache = new();

    /// <summary>The kinds this rule admits, for documentation and the authorization matrix.</summary>
    public IReadOnlyList<AccessKind> Kinds =>
        IsPublic
            ? [AccessKind.Public]
            : [.. CardHolder ? [AccessKind.CardHolder] : Array.Empty<AccessKind>(), AnyStaff ? AccessKind.AnyStaff : AccessKind.Roles];

    public static AccessRule? For(Type requestType) => Cache.GetOrAdd(requestType, static type =>
    {
        var cardHolder = type.GetCustomAttribute<CardHolderAttribute>() is not null;
        if (type.GetCustomAttribute<PublicAccessAttribute>() is not null)
        {
            return new AccessRule(true, PointsBank.Identity.Roles.All);
        }
        if (type.GetCustomAttribute<AnyStaffAttribute>() is not null)
        {
            return new AccessRule(false, PointsBank.Identity.Roles.Staff, AnyStaff: true, CardHolder: cardHolder);
        }
        return type.GetCustomAttribute<AllowAttribute>() is { } allow
            ? new AccessRule(false, allow.Roles, CardHolder: cardHolder)
            : cardHolder ? new AccessRule(false, [], CardHolder: true) : null;
    });
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

/// <summary>
/// A <see cref="CardHolderAttribute"/> request that carries the resident's card token itself (the card page's order
/// form, a card cancelling its own voucher). Holding the token is the card holder's proof of who they are: the
/// authorization step admits a caller who presents the token of an active card of the request's community, and a
/// request that spends points checks the card's PIN as a second factor in its handler (counted, five lock the card).
/// </summary>
public interface ICardPresented : ICommunityScoped
{
    string? CardToken { get; }
}
