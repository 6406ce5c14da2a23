using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Redemption;

/// <summary>
/// 取消兑换券: the hold released, the voucher cancelled. Staff (the committee, the shop's shopkeeper), or the resident
/// with the card the voucher's account belongs to (<c>cardToken</c>; no PIN: cancelling gives points back, it spends
/// nothing). Only an issued voucher can be cancelled (<c>voucher_not_open</c> otherwise).
/// </summary>
[CardHolder]
[Allow(Role.Committee, Role.Shopkeeper)]
public sealed record CancelVoucher([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long VoucherId,
    [property: Secret] string? CardToken = null) : IRequest<Outcome<VoucherView>>, ICardPresented;

sealed class CancelVoucherHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<CancelVoucher, Outcome<VoucherView>>
{
    private const string MarkCancelled = """
        UPDATE vouchers SET status = 'cancelled', closed_by = @actor, closed_at = @now WHERE id = @voucherId AND status = 'issued'
        """;

    public async Task<Outcome<VoucherView>> Handle(CancelVoucher request, CancellationToken ct)
    {
        var caller = callers.Current;
        var voucher = await Vouchers.ByIdAsync(work, request.CommunityId, request.VoucherId, ct);
        if (request.CardToken is not null)
        {
            // A card cancels only its own account's vouchers; another's looks like no voucher at all.
            var card = await CardPins.FindActiveAsync(work, request.CommunityId, request.CardToken, ct);
            if (card is null)
            {
                return new Failure("card_not_found", "no active card of this community has this token");
            }
            if (voucher is not null && voucher.AccountId != card.AccountId)
            {
                voucher = null;
            }
        }
        else if (voucher is not null && Vouchers.ShopLimit(caller, request.CommunityId) is { } own && own != voucher.ShopId)
        {
            return new Failure("voucher_other_shop", $"voucher {voucher.Id} was ordered at shop {voucher.ShopId}");
        }
        if (voucher is null)
        {
            return new Failure("voucher_not_found", $"community {request.CommunityId} has no voucher {request.VoucherId}");
        }
        if (voucher.Status != VoucherStatus.Issued)
        {
            return new Failure("voucher_not_open", $"voucher {voucher.Id} is {voucher.Status}");
        }
        var released = await ledger.ReleaseHoldAsync(work, request.CommunityId, voucher.HoldId, caller.Actor, onlyIfExpired: false, ct);
        if (!released.Succeeded)
        {
            return released.Error == LedgerError.HoldNotOpen
                ? new Failure("voucher_not_open", released.Detail!)
                : ProblemCatalog.ToFailure(released.Error!.Value, released.Detail!);
        }
        await work.ExecuteAsync(MarkCancelled, new { actor = caller.Actor, now = work.Now, voucherId = voucher.Id }, ct);
        var row = (await Vouchers.ByIdAsync(work, request.CommunityId, voucher.Id, ct))!;
        return Vouchers.View(row, await Vouchers.ItemsAsync(work, row.Id, ct));
    }
}
