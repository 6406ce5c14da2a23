using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

/// <summary>
/// A card just issued: its URL (what the QR encodes) and the card it replaced, if any. The URL carries the card's token,
/// so it is <see cref="SecretAttribute">secret</see>: the answer stored under an Idempotency-Key leaves it out, and a
/// replay answers the same card (200, <c>replayed: true</c>) with no URL (null in JSON) — print it from the card's QR
/// (<c>…/cards/{cardId}/qr.png</c>).
/// </summary>
public sealed record CardIssued(long CardId, [property: Secret] string? Url, long AccountId, DateTime IssuedAt, long? ReplacedCardId,
    bool Replayed = false) : IReplayable<CardIssued>
{
    CardIssued IReplayable<CardIssued>.Resource => this;

    public object AsReplayed() => this with { Replayed = true };
}

/// <summary>
/// 发卡 / 补办: issues a household or person account a new card (a random token; the QR encodes
/// <c>&lt;public base&gt;/c/&lt;token&gt;</c>). The account's active card, if any, is revoked in the same unit, so a lost
/// card stops working the moment the new one exists. An optional Idempotency-Key makes a retry (a double click on 发卡)
/// answer the card the first request issued instead of issuing another and revoking the first; the stored answer
/// keeps no token (<see cref="CardIssued.Url"/> is secret). <see cref="FirstCardOnly"/> (the page's 发卡, never the
/// API) refuses with <c>card_exists</c> when the account has an active card already: the check runs after the key's
/// replay, so the page's second click gets the first answer and a stale page cannot replace a card unasked.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record IssueCard([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long AccountId,
    [property: JsonIgnore] string? IdempotencyKey = null, [property: JsonIgnore] bool FirstCardOnly = false)
    : IRequest<Outcome<CardIssued>>, IAccountScoped, IIdempotent
{
    bool IIdempotent.KeyRequired => false;
}

sealed class IssueCardHandler(UnitOfWork work, CardLinks links, CallerContext callers) : IRequestHandler<IssueCard, Outcome<CardIssued>>
{
    public async Task<Outcome<CardIssued>> Handle(IssueCard request, CancellationToken ct) =>
        await CardIssuing.IssueAsync(work, links, callers.Current.Actor, request.CommunityId, request.AccountId, ct, request.FirstCardOnly);
}

/// <summary>Issuing one card inside an open unit: shared by <see cref="IssueCard"/> and <see cref="IssueGridCards"/>.</summary>
internal static class CardIssuing
{
    private const string SelectAccount = "SELECT kind FROM accounts WHERE id = @accountId AND community_id = @communityId";

    private const string RevokeActive = """
        UPDATE cards SET status = 'revoked', revoked_by = @actor, revoked_at = @now
         WHERE account_id = @accountId AND community_id = @communityId AND status = 'active'
        """;

    private const string ActiveCard = "SELECT id FROM cards WHERE account_id = @accountId AND community_id = @communityId AND status = 'active'";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO cards (community_id, account_id, token_hash, token_sealed, status, pin_failures, issued_by, issued_at)
            VALUES (@communityId, @accountId, @tokenHash, @tokenSealed, 'active', 0, @actor, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO cards (community_id, account_id, token_hash, token_sealed, status, pin_failures, issued_by, issued_at)
            VALUES (@communityId, @accountId, @tokenHash, @tokenSealed, 'active', 0, @actor, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public static async Task<Outcome<CardIssued>> IssueAsync(UnitOfWork work, CardLinks links, string actor, long communityId, long accountId,
        CancellationToken ct, bool firstCardOnly = false)
    {
        var kind = await work.ScalarAsync<string>(SelectAccount, new { accountId, communityId }, ct);
        if (kind is null)
        {
            return new Failure("account_not_found", $"account {accountId} does not exist in community {communityId}");
        }
        if (kind is not ("household" or "person"))
        {
            return new Failure("card_account_kind", $"account {accountId} is a {kind} account; only household and person accounts get cards");
        }
        var args = new { accountId, communityId, actor, now = work.Now };
        var replaced = await work.ScalarAsync<long?>(ActiveCard, args, ct);
        if (firstCardOnly && replaced is { } active)
        {
            return new Failure("card_exists", $"account {accountId} has card {active} already: replace it on purpose (补办) if it is lost");
        }
        await work.ExecuteAsync(RevokeActive, args, ct);
        var token = CardSecrets.NewToken();
        var cardId = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId, accountId, tokenHash = CardSecrets.HashToken(token), tokenSealed = links.Seal(token), actor, now = work.Now,
        }, ct);
        return new CardIssued(cardId, links.Url(token), accountId, work.Now, replaced);
    }
}
