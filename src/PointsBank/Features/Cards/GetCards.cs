using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

/// <summary>The account's active card: issued when and by whom, whether it has a PIN, is locked, how many wrong PINs in a row.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetAccountCard(long CommunityId, long AccountId) : IRequest<Outcome<CardStatus>>, IQuery, IAccountScoped;

/// <summary>What one active card prints: the holder's masked name, the door-plate code and the URL the QR encodes.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetCardLabel(long CommunityId, long CardId) : IRequest<Outcome<CardLabel>>, IQuery, ICommunityScoped;

/// <summary>A grid's active cards, for the A4 sheet (one per household, or per resident in a per-person community).</summary>
public sealed record GridCardSheet(long GridId, string GridName, string CommunityName, IReadOnlyList<CardLabel> Cards);

/// <summary>The active cards of a grid's accounts (in the community's account mode), in door-plate order.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetGridCards(long CommunityId, long GridId) : IRequest<Outcome<GridCardSheet>>, IQuery, IGridScoped
{
    long? IGridScoped.GridId => GridId;
}

sealed class GetCardsHandler(DbDataSource db, CardLinks links)
    : IRequestHandler<GetAccountCard, Outcome<CardStatus>>, IRequestHandler<GetCardLabel, Outcome<CardLabel>>,
      IRequestHandler<GetGridCards, Outcome<GridCardSheet>>
{
    private const string AccountExists = "SELECT COUNT(*) FROM accounts WHERE id = @accountId AND community_id = @communityId";

    private const string ActiveOfAccount = """
        SELECT id AS CardId, account_id AS AccountId, status AS Status, issued_at AS IssuedAt, issued_by AS IssuedBy,
               CASE WHEN pin_hash IS NULL THEN 0 ELSE 1 END AS HasPin, CASE WHEN locked_at IS NULL THEN 0 ELSE 1 END AS Locked,
               locked_at AS LockedAt, pin_failures AS PinFailures, revoked_at AS RevokedAt
          FROM cards WHERE account_id = @accountId AND community_id = @communityId AND status = 'active'
        """;

    private const string LabelOfCard = $"""
        SELECT c.id AS CardId, c.token_sealed AS TokenSealed, c.status AS Status, c.issued_at AS IssuedAt, {CardStore.HolderColumns}
          FROM cards c JOIN accounts a ON a.id = c.account_id
          {CardStore.HolderJoins}
         WHERE c.id = @cardId AND c.community_id = @communityId
        """;

    private const string Grid = """
        SELECT g.name AS GridName, m.name AS CommunityName
          FROM grids g JOIN communities m ON m.id = g.community_id
         WHERE g.id = @gridId AND g.community_id = @communityId
        """;

    private const string LabelsOfGrid = $"""
        SELECT c.id AS CardId, c.token_sealed AS TokenSealed, c.status AS Status, c.issued_at AS IssuedAt, {CardStore.HolderColumns}
          FROM cards c JOIN accounts a ON a.id = c.account_id
          JOIN communities m ON m.id = a.community_id
          {CardStore.HolderJoins}
         WHERE c.community_id = @communityId AND c.status = 'active' AND a.kind = m.account_mode
           AND COALESCE(h1.grid_id, h2.grid_id) = @gridId
         ORDER BY COALESCE(h1.code, h2.code), a.id
        """;

    private sealed record GridRow(string GridName, string CommunityName);

    public async Task<Outcome<CardStatus>> Handle(GetAccountCard request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { accountId = request.AccountId, communityId = request.CommunityId };
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(AccountExists, args, cancellationToken: ct)) == 0)
        {
            return new Failure("account_not_found", $"account {request.AccountId} does not exist in community {request.CommunityId}");
        }
        var row = await connection.QuerySingleOrDefaultAsync<CardStore.StatusRow>(new CommandDefinition(ActiveOfAccount, args, cancellationToken: ct));
        return row is null
            ? new Failure("card_not_found", $"account {request.AccountId} has no active card")
            : row.ToStatus();
    }

    public async Task<Outcome<CardLabel>> Handle(GetCardLabel request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<CardStore.HolderRow>(new CommandDefinition(LabelOfCard,
            new { cardId = request.CardId, communityId = request.CommunityId }, cancellationToken: ct));
        if (row is null)
        {
            return CardStore.NotFound(request.CommunityId, request.CardId);
        }
        // A revoked card is never printed again: its QR would only show "card not valid".
        return row.Status == "active" ? row.ToLabel(links) : new Failure("card_not_active", $"card {request.CardId} was revoked or replaced");
    }

    public async Task<Outcome<GridCardSheet>> Handle(GetGridCards request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { gridId = request.GridId, communityId = request.CommunityId };
        var grid = await connection.QuerySingleOrDefaultAsync<GridRow>(new CommandDefinition(Grid, args, cancellationToken: ct));
        if (grid is null)
        {
            return new Failure("grid_not_found", $"grid {request.GridId} does not exist in community {request.CommunityId}");
        }
        var rows = await connection.QueryAsync<CardStore.HolderRow>(new CommandDefinition(LabelsOfGrid, args, cancellationToken: ct));
        return new GridCardSheet(request.GridId, grid.GridName, grid.CommunityName, rows.Select(r => r.ToLabel(links)).ToList());
    }
}
