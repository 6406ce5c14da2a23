using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

public sealed record GridCardsIssued(long GridId, int Issued, IReadOnlyList<long> CardIds);

/// <summary>
/// 批量发卡: one card for every active household (or resident, when the community keeps points per person) of a grid
/// whose account has no active card yet — in one unit, all or nothing. Accounts that have a card keep it, so sending it
/// twice issues nothing the second time.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record IssueGridCards([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long GridId)
    : IRequest<Outcome<GridCardsIssued>>, IGridScoped
{
    long? IGridScoped.GridId => GridId;
}

sealed class IssueGridCardsHandler(UnitOfWork work, CardLinks links, CallerContext callers)
    : IRequestHandler<IssueGridCards, Outcome<GridCardsIssued>>
{
    private const string GridExists = "SELECT COUNT(*) FROM grids WHERE id = @gridId AND community_id = @communityId";

    // The grid's member accounts in the community's account mode, of active households and residents, without an active card.
    internal const string AccountsOfGrid = """
        SELECT a.id
          FROM accounts a
          JOIN communities m ON m.id = a.community_id
          LEFT JOIN households h1 ON h1.id = a.household_id
          LEFT JOIN residents r ON r.id = a.resident_id
          LEFT JOIN households h2 ON h2.id = r.household_id
         WHERE a.community_id = @communityId AND a.kind = m.account_mode
           AND COALESCE(h1.grid_id, h2.grid_id) = @gridId
           AND COALESCE(h1.is_active, r.is_active) = 1 AND COALESCE(h2.is_active, 1) = 1
           AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.account_id = a.id AND c.status = 'active')
         ORDER BY a.id
        """;

    public async Task<Outcome<GridCardsIssued>> Handle(IssueGridCards request, CancellationToken ct)
    {
        var args = new { communityId = request.CommunityId, gridId = request.GridId };
        if (await work.ScalarAsync<long>(GridExists, args, ct) == 0)
        {
            return new Failure("grid_not_found", $"grid {request.GridId} does not exist in community {request.CommunityId}");
        }
        var cardIds = new List<long>();
        foreach (var accountId in await work.QueryAsync<long>(AccountsOfGrid, args, ct))
        {
            var issued = await CardIssuing.IssueAsync(work, links, callers.Current.Actor, request.CommunityId, accountId, ct);
            if (!issued.Succeeded)
            {
                return issued.Failure!;
            }
            cardIds.Add(issued.Value!.CardId);
        }
        return new GridCardsIssued(request.GridId, cardIds.Count, cardIds);
    }
}
