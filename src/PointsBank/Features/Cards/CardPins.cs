using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

/// <summary>The state of a card that a PIN check needs.</summary>
public sealed record CardForPin(long Id, long CommunityId, long AccountId, string Status, string? PinHash, int PinFailures, DateTime? LockedAt);

/// <summary>
/// The one PIN check, for a voucher ordered from the card page and for card + PIN at the counter. A wrong PIN counts
/// towards the lock even though the request fails (<see cref="UnitOfWork.KeepOnFailure"/>); the fifth in a row locks the
/// card for ordering and the counter until the committee unlocks it; a right PIN starts the count again.
/// </summary>
public static class CardPins
{
    private const string SelectByToken = """
        SELECT id AS Id, community_id AS CommunityId, account_id AS AccountId, status AS Status, pin_hash AS PinHash,
               pin_failures AS PinFailures, locked_at AS LockedAt
          FROM cards WHERE token_hash = @tokenHash
        """;

    private const string SelectById = """
        SELECT id AS Id, community_id AS CommunityId, account_id AS AccountId, status AS Status, pin_hash AS PinHash,
               pin_failures AS PinFailures, locked_at AS LockedAt
          FROM cards WHERE id = @cardId
        """;

    private const string CountFailure = """
        UPDATE cards SET pin_failures = pin_failures + 1,
                         locked_at = CASE WHEN pin_failures + 1 >= @max THEN @now ELSE locked_at END
         WHERE id = @cardId AND status = 'active' AND locked_at IS NULL
        """;

    // Settable properties, not the positional record: Dapper converts SQLite's text timestamps (locked_at) and its
    // 64-bit integers only when it sets properties; matching the record's constructor it finds no signature and throws.
    private sealed class Row
    {
        public long Id { get; set; }
        public long CommunityId { get; set; }
        public long AccountId { get; set; }
        public string Status { get; set; } = "";
        public string? PinHash { get; set; }
        public int PinFailures { get; set; }
        public DateTime? LockedAt { get; set; }

        public CardForPin ToCard() => new(Id, CommunityId, AccountId, Status, PinHash, PinFailures,
            LockedAt is { } locked ? Data.Clock.AsUtc(locked) : null);
    }

    private const string ResetFailures = "UPDATE cards SET pin_failures = 0 WHERE id = @cardId AND pin_failures <> 0";

    /// <summary>The active card of this community with this token, or null (unknown, revoked, other community).</summary>
    public static async Task<CardForPin?> FindActiveAsync(UnitOfWork work, long communityId, string? token, CancellationToken ct)
    {
        if (!CardSecrets.LooksLikeToken(token))
        {
            return null;
        }
        var card = (await work.SingleOrDefaultAsync<Row>(SelectByToken, new { tokenHash = CardSecrets.HashToken(token!) }, ct))?.ToCard();
        return card is { Status: "active" } && card.CommunityId == communityId ? card : null;
    }

    public static async Task<CardForPin?> FindAsync(UnitOfWork work, long cardId, CancellationToken ct) =>
        (await work.SingleOrDefaultAsync<Row>(SelectById, new { cardId }, ct))?.ToCard();

    /// <summary>Null when the PIN is right; otherwise the refusal (locked, no PIN yet, wrong with the tries left).</summary>
    public static async Task<Failure?> CheckAsync(UnitOfWork work, CardForPin card, string? pin, CancellationToken ct)
    {
        if (card.Status != "active")
        {
            return new Failure("card_not_valid", "the card was revoked");
        }
        if (card.LockedAt is not null)
        {
            return new Failure("card_locked", "the card is locked after too many wrong PINs; the committee unlocks it");
        }
        if (card.PinHash is null)
        {
            return new Failure("pin_not_set", "the card has no PIN yet");
        }
        if (pin is not null && CardSecrets.IsValidPin(pin) && CardSecrets.PinMatches(card.PinHash, pin))
        {
            await work.ExecuteAsync(ResetFailures, new { cardId = card.Id }, ct);
            return null;
        }
        work.KeepOnFailure(CountFailure, new { cardId = card.Id, max = CardSecrets.MaxPinFailures, now = work.Now });
        var left = CardSecrets.MaxPinFailures - card.PinFailures - 1;
        return left <= 0
            ? new Failure("card_locked", "wrong PIN; the card is now locked until the committee unlocks it")
            : new Failure("pin_wrong", $"wrong PIN; {left} tries left before the card is locked");
    }
}
