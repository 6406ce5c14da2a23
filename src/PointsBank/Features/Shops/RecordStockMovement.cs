using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Shops;

/// <summary>
/// Records goods coming in or a stock-take at a shop: <c>restock</c> (进货, a positive quantity), <c>donation</c>
/// (捐赠入库: a positive quantity, the donor, and optionally the goods' estimated value in yuan with at most two
/// decimals, stored in fen) or <c>correction</c> (盘点更正: any non-zero change, with a note saying why the count
/// differs). Redemptions and returns are not recorded here: only the counter's confirmation and a return make them.
/// The stock moves through <see cref="Stock.MoveAsync"/>: a correction that would take it below zero is refused
/// (<c>out_of_stock</c>) and nothing is written. The committee, admins, or the shop's own shopkeeper.
/// </summary>
[Allow(Role.Committee, Role.Admin, Role.Shopkeeper)]
public sealed record RecordStockMovement(
    [property: JsonIgnore] long CommunityId,
    [property: JsonIgnore] long ShopId,
    [property: JsonIgnore] long ProductId,
    string Kind,
    long Quantity,
    string? Donor = null,
    decimal? ValueYuan = null,
    string? Note = null,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<MovementRecorded>>, IValidated, IShopScoped, IIdempotent
{
    /// <summary>The most one movement may change the count by, either way.</summary>
    public const long MaxQuantity = 1_000_000;

    /// <summary>The most a donation may be valued at: 千万元.</summary>
    public const decimal MaxValueYuan = 10_000_000m;

    /// <summary>The kinds this request records; the others come from the counter.</summary>
    public static readonly IReadOnlyList<string> Kinds = [StockKinds.Restock, StockKinds.Donation, StockKinds.Correction];

    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate()
    {
        if (Kind is StockKinds.Redemption or StockKinds.Return)
        {
            yield return new FieldError("kind", "兑换出库和退货只能由柜台兑换和退货产生，不能在这里登记",
                "redemptions and returns are made only by the counter's confirmation and returns");
            yield break;
        }
        if (!Kinds.Contains(Kind))
        {
            yield return new FieldError("kind", "须为 restock（进货）、donation（捐赠入库）或 correction（盘点更正）之一",
                "must be one of restock, donation, correction");
            yield break;
        }
        if (Kind == StockKinds.Correction)
        {
            if (Quantity == 0 || Math.Abs(Quantity) > MaxQuantity)
            {
                yield return new FieldError("quantity", $"盘点更正的数量不能为 0，且不超过 {MaxQuantity}", $"a correction changes the count by 1 to {MaxQuantity} either way");
            }
            foreach (var error in Check.Text("note", Note, 500))
            {
                yield return error with { Zh = "请写明盘点差异的原因：" + error.Zh, En = "say why the count differs: " + error.En };
            }
        }
        else
        {
            foreach (var error in Check.Range("quantity", Quantity, 1, MaxQuantity))
            {
                yield return error;
            }
            foreach (var error in Check.Text("note", Note, 500, required: false))
            {
                yield return error;
            }
        }
        if (Kind == StockKinds.Donation)
        {
            foreach (var error in Check.Text("donor", Donor, 200))
            {
                yield return error with { Zh = "捐赠人" + error.Zh, En = "the donor " + error.En };
            }
            if (ValueYuan is { } value && (value < 0 || value > MaxValueYuan || decimal.Round(value, 2) != value))
            {
                yield return new FieldError("valueYuan", $"估价须为 0 到 {MaxValueYuan:0} 元之间的金额，最多两位小数",
                    $"must be an amount of 0 to {MaxValueYuan:0} yuan with at most two decimals");
            }
        }
        else
        {
            if (Donor is not null)
            {
                yield return new FieldError("donor", "只有捐赠入库才填写捐赠人", "only a donation has a donor");
            }
            if (ValueYuan is not null)
            {
                yield return new FieldError("valueYuan", "只有捐赠入库才填写估价", "only a donation has a value");
            }
        }
    }
}

sealed class RecordStockMovementHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<RecordStockMovement, Outcome<MovementRecorded>>
{
    private const string LastMovement = "SELECT MAX(id) FROM stock_movements WHERE product_id = @productId";

    public async Task<Outcome<MovementRecorded>> Handle(RecordStockMovement request, CancellationToken ct)
    {
        if (await Catalogue.ShopActiveAsync(work, request.CommunityId, request.ShopId, ct) is null)
        {
            return Catalogue.ShopNotFound(request.CommunityId, request.ShopId);
        }
        var move = new StockMove(request.CommunityId, request.ShopId, request.ProductId, request.Kind, request.Quantity, callers.Current.Actor,
            Donor: request.Donor?.Trim(),
            ValueFen: request.ValueYuan is { } yuan ? (long)(yuan * 100m) : null,
            Note: string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim());
        if (await Stock.MoveAsync(work, move, ct) is { } refused)
        {
            return refused;
        }
        // The community's lock is held, so the newest movement of this product is the one just written.
        var id = await work.ScalarAsync<long>(LastMovement, new { productId = request.ProductId }, ct);
        var product = await Catalogue.ProductAsync(work, request.CommunityId, request.ShopId, request.ProductId, ct);
        return new MovementRecorded(await Catalogue.MovementAsync(work, id, ct), product!);
    }
}
