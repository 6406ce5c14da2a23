using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Shops;

/// <summary>
/// One product's stock movements, newest first, paged: who moved how much, when, and why (restock, donation with donor
/// and value, redemption with its receipt, return, stock-take). The committee, admins, or the shop's own shopkeeper.
/// </summary>
[Allow(Role.Committee, Role.Admin, Role.Shopkeeper)]
public sealed record ListProductMovements(long CommunityId, long ShopId, long ProductId, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Outcome<RosterPage<MovementView>>>, IValidated, IQuery, IShopScoped
{
    public IEnumerable<FieldError> Validate() => Paging.Validate(Page, PageSize);
}

sealed class ListProductMovementsHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<ListProductMovements, Outcome<RosterPage<MovementView>>>
{
    private const string Count = "SELECT COUNT(*) FROM stock_movements WHERE product_id = @productId";

    private static readonly DialectSql Page = new(
        Sqlite: $"""
            SELECT {Catalogue.MovementColumns}
              FROM stock_movements m JOIN products p ON p.id = m.product_id
             WHERE m.product_id = @productId
             ORDER BY m.id DESC
             LIMIT @take OFFSET @skip
            """,
        SqlServer: $"""
            SELECT {Catalogue.MovementColumns}
              FROM stock_movements m JOIN products p ON p.id = m.product_id
             WHERE m.product_id = @productId
             ORDER BY m.id DESC
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<RosterPage<MovementView>>> Handle(ListProductMovements request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await Catalogue.ProductAsync(connection, request.CommunityId, request.ShopId, request.ProductId, ct) is null)
        {
            return await Catalogue.ShopActiveAsync(connection, request.CommunityId, request.ShopId, ct) is null
                ? Catalogue.ShopNotFound(request.CommunityId, request.ShopId)
                : Catalogue.ProductNotFound(request.ShopId, request.ProductId);
        }
        var args = new { productId = request.ProductId, take = request.PageSize, skip = Paging.Skip(request.Page, request.PageSize) };
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, args, cancellationToken: ct));
        var rows = await connection.QueryAsync<MovementView>(new CommandDefinition(dialect.Pick(Page), args, cancellationToken: ct));
        return new RosterPage<MovementView>(request.Page, request.PageSize, total, await Catalogue.WithActorNamesAsync(connection, rows, ct));
    }
}

/// <summary>
/// A shop's stock movements of every product, newest first, paged; <c>from</c> and <c>to</c> (yyyy-MM-dd, both
/// included) are days in the community's time zone. The committee, admins, or the shop's own shopkeeper.
/// </summary>
[Allow(Role.Committee, Role.Admin, Role.Shopkeeper)]
public sealed record ListShopMovements(long CommunityId, long ShopId, DateOnly? From = null, DateOnly? To = null, string? Kind = null,
    int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Outcome<RosterPage<MovementView>>>, IValidated, IQuery, IShopScoped
{
    private static readonly string[] AllKinds =
        [StockKinds.Restock, StockKinds.Donation, StockKinds.Redemption, StockKinds.Return, StockKinds.Correction];

    public IEnumerable<FieldError> Validate()
    {
        if (From is { } from && To is { } to && to < from)
        {
            yield return new FieldError("to", "结束日期不能早于开始日期", "must not be before from");
        }
        if (Kind is not null && !AllKinds.Contains(Kind))
        {
            yield return new FieldError("kind", $"须为 {string.Join("、", AllKinds)} 之一", $"must be one of {string.Join(", ", AllKinds)}");
        }
        foreach (var error in Paging.Validate(Page, PageSize))
        {
            yield return error;
        }
    }
}

sealed class ListShopMovementsHandler(DbDataSource db, SqlDialect dialect) : IRequestHandler<ListShopMovements, Outcome<RosterPage<MovementView>>>
{
    private const string Zone = "SELECT time_zone FROM communities WHERE id = @communityId";

    private const string Count = """
        SELECT COUNT(*) FROM stock_movements
         WHERE community_id = @communityId AND shop_id = @shopId AND created_at >= @fromUtc AND created_at < @toUtc
           AND (@kind IS NULL OR kind = @kind)
        """;

    private static readonly DialectSql Page = new(
        Sqlite: $"""
            SELECT {Catalogue.MovementColumns}
              FROM stock_movements m JOIN products p ON p.id = m.product_id
             WHERE m.community_id = @communityId AND m.shop_id = @shopId AND m.created_at >= @fromUtc AND m.created_at < @toUtc
               AND (@kind IS NULL OR m.kind = @kind)
             ORDER BY m.id DESC
             LIMIT @take OFFSET @skip
            """,
        SqlServer: $"""
            SELECT {Catalogue.MovementColumns}
              FROM stock_movements m JOIN products p ON p.id = m.product_id
             WHERE m.community_id = @communityId AND m.shop_id = @shopId AND m.created_at >= @fromUtc AND m.created_at < @toUtc
               AND (@kind IS NULL OR m.kind = @kind)
             ORDER BY m.id DESC
            OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
            """);

    public async Task<Outcome<RosterPage<MovementView>>> Handle(ListShopMovements request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await Catalogue.ShopActiveAsync(connection, request.CommunityId, request.ShopId, ct) is null)
        {
            return Catalogue.ShopNotFound(request.CommunityId, request.ShopId);
        }
        // The shop was found, so its community exists and has a zone.
        var zone = Projections.Zone((await connection.ExecuteScalarAsync<string>(new CommandDefinition(Zone,
            new { communityId = request.CommunityId }, cancellationToken: ct)))!);
        var args = new
        {
            communityId = request.CommunityId,
            shopId = request.ShopId,
            kind = request.Kind,
            fromUtc = request.From is { } from ? StartOf(from, zone) : new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            toUtc = request.To is { } to ? StartOf(to.AddDays(1), zone) : new DateTime(9999, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            take = request.PageSize,
            skip = Paging.Skip(request.Page, request.PageSize),
        };
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, args, cancellationToken: ct));
        var rows = await connection.QueryAsync<MovementView>(new CommandDefinition(dialect.Pick(Page), args, cancellationToken: ct));
        return new RosterPage<MovementView>(request.Page, request.PageSize, total, await Catalogue.WithActorNamesAsync(connection, rows, ct));
    }

    // The first instant of a local day, in UTC (a day that starts in a DST gap starts at the gap's end).
    private static DateTime StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
