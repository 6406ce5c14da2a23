using PointsBank.Features.Cards;

namespace PointsBank.Tests.Support;

/// <summary>What a test reads off a card it just issued: the URL its QR encodes and the token in it.</summary>
internal static class IssuedCards
{
    /// <summary>The URL of a card just issued; a replayed issue answers none (the token is not kept), so that fails here.</summary>
    public static string UrlOf(CardIssued card) =>
        card.Url ?? throw new InvalidOperationException($"card {card.CardId}: a replayed issue carries no URL");

    /// <summary>The card's token: what follows <c>/c/</c> in its URL.</summary>
    public static string TokenOf(string url) => url[(url.LastIndexOf("/c/", StringComparison.Ordinal) + 3)..];

    public static string TokenOf(CardIssued card) => TokenOf(UrlOf(card));
}
