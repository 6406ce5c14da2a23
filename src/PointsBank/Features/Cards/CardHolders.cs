using System.Data.Common;
using Dapper;
using PointsBank.Identity;

namespace PointsBank.Features.Cards;

/// <summary>
/// The one way a card token becomes a caller: token → its active card → <see cref="CardGrant"/> (the card, its
/// community and account), or null for a malformed, unknown or revoked token alike. Pages reached with a card (the
/// resident's card page <c>/c/{token}</c>, the resident's order page <c>/c/{token}/order</c>) call
/// <see cref="ActAsAsync"/> and then send ordinary requests, which the authorization behaviour admits only for the
/// card's own account.
/// </summary>
public sealed class CardHolders(DbDataSource db)
{
    // Unknown and revoked tokens take the same path (one lookup by hash, the status checked after), so neither the
    // answer nor its timing tells which tokens exist.
    private const string SelectByHash = """
        SELECT c.id AS CardId, c.community_id AS CommunityId, c.account_id AS AccountId, c.status AS Status
          FROM cards c JOIN communities m ON m.id = c.community_id
         WHERE c.token_hash = @tokenHash AND m.is_active = 1
        """;

    private sealed record Row(long CardId, long CommunityId, long AccountId, string Status);

    /// <summary>The grant of the active card with this token, or null.</summary>
    public async Task<CardGrant?> ResolveAsync(string? token, CancellationToken ct)
    {
        if (!CardSecrets.LooksLikeToken(token))
        {
            return null;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(SelectByHash,
            new { tokenHash = CardSecrets.HashToken(token!) }, cancellationToken: ct));
        return row is { Status: "active" } ? new CardGrant(row.CardId, row.CommunityId, row.AccountId) : null;
    }

    /// <summary>Makes the scope's caller the holder of this card when the token is valid; the grant, or null (the caller is left alone).</summary>
    public async Task<CardGrant?> ActAsAsync(CallerContext callers, string? token, CancellationToken ct)
    {
        var grant = await ResolveAsync(token, ct);
        if (grant is not null)
        {
            callers.Current = Caller.CardHolder(grant);
        }
        return grant;
    }
}
