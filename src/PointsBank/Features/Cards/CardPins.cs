using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

/// <summary>The state of a card that a PIN check needs.</summary>
// Properties, not a positional record: Dapper maps SQLite's text dates and 64-bit integers onto settable members only.
public sealed record CardForPin
{
    public long Id { get; init; }
    public long CommunityId { get; init; }
    public long AccountId { get; init; }
    public string Status { get; init; } = "";
    public string? PinHash { get; init; }
    public int PinFailures { get; init; }
    public DateTime? LockedAt { get; init; }
}

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

    private const string ResetFailures = "UPDATE cards SET pin_failures = 0 WHERE id = @cardId AND pin_failures <> 0";

    /// <summary>The active card of this community with this token, or null (unknown, revoked, other community).</summary>
    public static async Task<CardForPin?> FindActiveAsync(UnitOfWork work, long communityId, string? token, CancellationToken ct)
    {
        if (!CardSecrets.LooksLikeToken(token))
        {
            return null;
        }
        var card = await work.SingleOrDefaultAsync<CardForPin>(SelectByToken, new { tokenHash = CardSecrets.HashToken(token!) }, ct);
        return card is { Status: "active" } && card.CommunityId == communityId ? card : null;
    }

    public static Task<CardForPin?> FindAsync(UnitOfWork work, long cardId, CancellationToken ct) =>
        work.SingleOrDefaultAsync<CardForPin>(SelectById, new { cardId }, ct);

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
            : new Failure("pin_wrong", $"wrong PIN; {left} {TriesLeftText}");
    }

    private const string TriesLeftText = "tries left before the card is locked";

    /// <summary>How many PINs a <c>pin_wrong</c> refusal leaves before the card locks (read from its detail, written above); null for other refusals.</summary>
    public static int? TriesLeft(Failure failure)
    {
        if (failure.Code != "pin_wrong" || !failure.Detail.EndsWith(TriesLeftText, StringComparison.Ordinal))
        {
            return null;
        }
        var words = failure.Detail.Split(' ');
        return words.Length > 2 && int.TryParse(words[^(TriesLeftText.Split(' ').Length + 1)], out var left) ? left : null;
    }
}
