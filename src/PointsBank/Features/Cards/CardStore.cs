using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

/// <summary>
/// What is printed on a card and shown on the card page about its holder: the masked name (for a household account the
/// head of household's — its first active resident — for a person account the resident's) and the door-plate code.
/// Never a full name or a phone number.
/// </summary>
public sealed record CardLabel(long CardId, long AccountId, string AccountKind, string? HouseholdCode, string MaskedName, string Url, DateTime IssuedAt);

/// <summary>A card's state for the committee (never its token or any hash).</summary>
public sealed record CardStatus(long CardId, long AccountId, string Status, DateTime IssuedAt, string IssuedBy, bool HasPin, bool Locked,
    DateTime? LockedAt, int PinFailures, DateTime? RevokedAt);

/// <summary>The cards' shared SQL: the holder behind an account, a card's state, the account kinds a card may belong to.</summary>
internal static class CardStore
{
    /// <summary>Settable properties: Dapper converts SQLite's text timestamps only when it sets properties.</summary>
    internal sealed class HolderRow
    {
        public long CardId { get; set; }
        public long AccountId { get; set; }
        public string Kind { get; set; } = "";
        public string? HouseholdCode { get; set; }
        public string? FullName { get; set; }
        public string TokenSealed { get; set; } = "";
        public string Status { get; set; } = "";
        public DateTime IssuedAt { get; set; }
        public long? GridId { get; set; }

        public CardLabel ToLabel(CardLinks links) => new(CardId, AccountId, Kind, HouseholdCode, PersonalData.MaskName(FullName),
            links.UrlOfSealed(TokenSealed), Clock.AsUtc(IssuedAt));
    }

    // The holder of an account: a household's head (its first active resident) or the resident of a person account,
    // with the door-plate code of the household either belongs to.
    internal const string HolderColumns = """
        a.id AS AccountId, a.kind AS Kind, COALESCE(h1.code, h2.code) AS HouseholdCode, COALESCE(h1.grid_id, h2.grid_id) AS GridId,
        COALESCE(r.full_name, (SELECT hr.full_name FROM residents hr
                                WHERE hr.id = (SELECT MIN(x.id) FROM residents x WHERE x.household_id = h1.id AND x.is_active = 1))) AS FullName
        """;

    internal const string HolderJoins = """
        LEFT JOIN households h1 ON h1.id = a.household_id
        LEFT JOIN residents r ON r.id = a.resident_id
        LEFT JOIN households h2 ON h2.id = r.household_id
        """;

    private const string SelectStatus = """
        SELECT id AS CardId, account_id AS AccountId, status AS Status, issued_at AS IssuedAt, issued_by AS IssuedBy,
               CASE WHEN pin_hash IS NULL THEN 0 ELSE 1 END AS HasPin, CASE WHEN locked_at IS NULL THEN 0 ELSE 1 END AS Locked,
               locked_at AS LockedAt, pin_failures AS PinFailures, revoked_at AS RevokedAt
          FROM cards WHERE id = @cardId AND community_id = @communityId
        """;

    internal sealed class StatusRow
    {
        public long CardId { get; set; }
        public long AccountId { get; set; }
        public string Status { get; set; } = "";
        public DateTime IssuedAt { get; set; }
        public string IssuedBy { get; set; } = "";
        public long HasPin { get; set; }
        public long Locked { get; set; }
        public DateTime? LockedAt { get; set; }
        public int PinFailures { get; set; }
        public DateTime? RevokedAt { get; set; }

        public CardStatus ToStatus() => new(CardId, AccountId, Status, Clock.AsUtc(IssuedAt), IssuedBy, HasPin != 0, Locked != 0,
            LockedAt is { } locked ? Clock.AsUtc(locked) : null, PinFailures, RevokedAt is { } revoked ? Clock.AsUtc(revoked) : null);
    }

    internal static async Task<CardStatus?> StatusAsync(UnitOfWork work, long communityId, long cardId, CancellationToken ct) =>
        (await work.SingleOrDefaultAsync<StatusRow>(SelectStatus, new { communityId, cardId }, ct))?.ToStatus();

    internal static Failure NotFound(long communityId, long cardId) =>
        new("card_not_found", $"card {cardId} does not exist in community {communityId}");
}
