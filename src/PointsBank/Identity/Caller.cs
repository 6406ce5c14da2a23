namespace PointsBank.Identity;

/// <summary>One role a user holds: in a community (or the whole installation for a system admin), maybe limited to a grid or bound to a shop.</summary>
public sealed record RoleGrant(long? CommunityId, Role Role, long? GridId = null, long? ShopId = null);

public enum CallerKind
{
    Anonymous,
    User,

    /// <summary>An operator at the server's command line: has the database anyway, so may do anything; audited as "cli".</summary>
    System,

    /// <summary>Whoever holds a resident's card (its token): may read that card's account, nothing else.</summary>
    CardHolder,
}

/// <summary>The account a card opens, for a <see cref="CallerKind.CardHolder"/> caller.</summary>
public sealed record CardGrant(long CardId, long CommunityId, long AccountId);

/// <summary>Who is making the current request. Every handler's actor comes from here.</summary>
public sealed record Caller(CallerKind Kind, long? UserId, string Name, IReadOnlyList<RoleGrant> Grants, CardGrant? Card = null)
{
    public static readonly Caller Anonymous = new(CallerKind.Anonymous, null, "anonymous", []);

    public static Caller Cli(string name) => new(CallerKind.System, null, $"cli:{name}", []);

    /// <summary>The service itself, e.g. a background job (<c>job:release-expired-holds</c>).</summary>
    public static Caller Service(string name) => new(CallerKind.System, null, name, []);

    public static Caller User(long userId, string username, IReadOnlyList<RoleGrant> grants) =>
        new(CallerKind.User, userId, username, grants);

    public static Caller CardHolder(CardGrant card) =>
        new(CallerKind.CardHolder, null, $"card:{card.CardId.ToString(System.Globalization.CultureInfo.InvariantCulture)}", [], card);

    /// <summary>The actor string stored on ledger transactions and audit rows.</summary>
    public string Actor => Kind == CallerKind.User ? $"user:{Name}" : Name;

    public bool IsSystemAdmin => Grants.Any(g => g.CommunityId is null && g.Role == Role.Admin);

    public bool Holds(long communityId, Role role) => Grants.Any(g => g.CommunityId == communityId && g.Role == role);
}

/// <summary>The current caller, per scope (HTTP request or CLI run).</summary>
public sealed class CallerContext
{
    public Caller Current { get; set; } = Caller.Anonymous;
}
