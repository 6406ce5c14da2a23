using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Claims;

/// <summary>
/// A resident acting on claims with their card (issue 7: "a resident submits", "anyone in the community may object"):
/// the same proof as ordering a voucher, possession of the card (its token) and knowledge of its PIN, checked by the one
/// PIN check (<see cref="CardPins.CheckAsync"/>: wrong PINs counted, the fifth locks the card). What the card did is
/// recorded as <c>card:&lt;id&gt;</c>; a card is not a user, so dual control never sees it as the reviewer.
/// </summary>
internal static class ClaimCards
{
    /// <summary>The active card of the community with this token whose PIN is right, or the refusal.</summary>
    public static async Task<Outcome<CardForPin>> ProveAsync(UnitOfWork work, long communityId, string token, string? pin, CancellationToken ct)
    {
        if (await CardPins.FindActiveAsync(work, communityId, token, ct) is not { } card)
        {
            return new Failure("card_not_found", "no active card of this community has this token");
        }
        if (await CardPins.CheckAsync(work, card, pin, ct) is { } refused)
        {
            return refused;
        }
        return card;
    }

    /// <summary>The actor a card's act is recorded under, the same string a card holder caller has.</summary>
    public static string Actor(CardForPin card) => Caller.CardHolder(new CardGrant(card.Id, card.CommunityId, card.AccountId)).Actor;

    /// <summary>A card holder caller that presented no card and PIN: refused (the card alone never acts on claims).</summary>
    public static Failure? RequireProof(Caller caller, string? cardToken) =>
        cardToken is null && caller.Kind is CallerKind.CardHolder or CallerKind.Anonymous
            ? new Failure("card_pin_required", $"{caller.Actor} acts on claims with the card's token and its PIN")
            : null;

    /// <summary>
    /// The card a request presents, and who acts. A resident's own phone (a card holder or anonymous caller) must present
    /// the card and its PIN (<see cref="RequireProof"/>, then <see cref="ProveAsync"/>) and acts as the card; staff or
    /// the service scanning a resident's card need no PIN — the card only says whose it is — and act as themselves. No
    /// card presented by staff: no account, the caller acts.
    /// </summary>
    public static async Task<Outcome<PresentedCard>> PresentedAsync(UnitOfWork work, Caller caller, long communityId, string? token,
        string? pin, CancellationToken ct)
    {
        if (RequireProof(caller, token) is { } unproven)
        {
            return unproven;
        }
        if (token is null)
        {
            return new PresentedCard(null, caller.Actor, ByHolder: false);
        }
        if (caller.Kind is CallerKind.CardHolder or CallerKind.Anonymous)
        {
            var proven = await ProveAsync(work, communityId, token, pin, ct);
            return proven.Succeeded ? new PresentedCard(proven.Value!.AccountId, Actor(proven.Value!), ByHolder: true) : proven.Failure!;
        }
        return await CardPins.FindActiveAsync(work, communityId, token, ct) is { } card
            ? new PresentedCard(card.AccountId, caller.Actor, ByHolder: false)
            : new Failure("card_not_found", "no active card of this community has this code (lost or replaced?)");
    }

    public static IEnumerable<FieldError> Validate(string? cardToken, string? pin) =>
        cardToken is not null && string.IsNullOrEmpty(pin) ? [new FieldError("pin", "请输入卡密码", "is required with cardToken")] : [];
}

/// <summary>
/// What <see cref="ClaimCards.PresentedAsync"/> found: the account of the card presented (null when none was), the actor
/// the act is recorded under, and whether the card holder proved it with the PIN (then the act is the card's own).
/// </summary>
internal sealed record PresentedCard(long? AccountId, string Actor, bool ByHolder);
