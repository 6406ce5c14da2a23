using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

/// <summary>
/// 设置密码: the committee sets the card's PIN (4 to 6 digits) with the resident, who types it; the count of wrong
/// PINs starts again. A locked card stays locked until it is unlocked (with a reason, on the record). The PIN never
/// reaches the audit log or a request hash.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record SetCardPin([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long CardId, [property: Secret] string Pin)
    : IRequest<Outcome<CardStatus>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate()
    {
        if (!CardSecrets.IsValidPin(Pin))
        {
            yield return new FieldError("pin", "密码须为 4 至 6 位数字", "the PIN must be 4 to 6 digits");
        }
    }
}

/// <summary>解锁: the committee unlocks a card locked by wrong PINs, with a reason (on the audit record).</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record UnlockCard([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long CardId, string Reason)
    : IRequest<Outcome<CardStatus>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

/// <summary>挂失: the committee revokes a card (lost, stolen), with a reason; its QR then shows "card not valid". A new card is issued separately.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record RevokeCard([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long CardId, string Reason)
    : IRequest<Outcome<CardStatus>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

sealed class ManageCardHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<SetCardPin, Outcome<CardStatus>>, IRequestHandler<UnlockCard, Outcome<CardStatus>>, IRequestHandler<RevokeCard, Outcome<CardStatus>>
{
    private const string SetPin = """
        UPDATE cards SET pin_hash = @pinHash, pin_failures = 0
         WHERE id = @cardId AND community_id = @communityId AND status = 'active'
        """;

    private const string Unlock = """
        UPDATE cards SET locked_at = NULL, pin_failures = 0
         WHERE id = @cardId AND community_id = @communityId AND status = 'active'
        """;

    private const string Revoke = """
        UPDATE cards SET status = 'revoked', revoked_by = @actor, revoked_at = @now
         WHERE id = @cardId AND community_id = @communityId AND status = 'active'
        """;

    public Task<Outcome<CardStatus>> Handle(SetCardPin request, CancellationToken ct) =>
        ChangeAsync(SetPin, request.CommunityId, request.CardId, new { pinHash = CardSecrets.HashPin(request.Pin) }, ct);

    public Task<Outcome<CardStatus>> Handle(UnlockCard request, CancellationToken ct) =>
        ChangeAsync(Unlock, request.CommunityId, request.CardId, new { }, ct);

    public Task<Outcome<CardStatus>> Handle(RevokeCard request, CancellationToken ct) =>
        ChangeAsync(Revoke, request.CommunityId, request.CardId, new { actor = callers.Current.Actor, now = work.Now }, ct);

    // Each change is one conditional UPDATE on an active card; nothing changed means no such card, or not active any more.
    private async Task<Outcome<CardStatus>> ChangeAsync(string sql, long communityId, long cardId, object extra, CancellationToken ct)
    {
        var args = new Dapper.DynamicParameters(extra);
        args.Add("cardId", cardId);
        args.Add("communityId", communityId);
        if (await work.ExecuteAsync(sql, args, ct) == 0)
        {
            return await CardStore.StatusAsync(work, communityId, cardId, ct) is null
                ? CardStore.NotFound(communityId, cardId)
                : new Failure("card_not_active", $"card {cardId} was revoked or replaced");
        }
        return (await CardStore.StatusAsync(work, communityId, cardId, ct))!;
    }
}
