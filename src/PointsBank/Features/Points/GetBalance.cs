using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

public sealed record BalanceView(long AccountId, string Kind, string Name, long Balance, long Held, long Available);

/// <summary>An account's balance, the points held by open vouchers, and what is available to spend.</summary>
[AnyStaff]
[CardHolder]
public sealed record GetBalance(long CommunityId, long AccountId) : IRequest<Outcome<BalanceView>>, IQuery, IAccountScoped;

sealed class GetBalanceHandler(DbDataSource db) : IRequestHandler<GetBalance, Outcome<BalanceView>>
{
    private const string Select = """
        SELECT a.id AS AccountId, a.kind AS Kind, a.name AS Name, b.balance AS Balance, b.held AS Held
          FROM accounts a JOIN balances b ON b.account_id = a.id
         WHERE a.id = @accountId AND a.community_id = @communityId
        """;

    private sealed record Row(long AccountId, string Kind, string Name, long Balance, long Held);

    public async Task<Outcome<BalanceView>> Handle(GetBalance request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select,
            new { accountId = request.AccountId, communityId = request.CommunityId }, cancellationToken: ct));
        return row is null
            ? new Failure("account_not_found", $"account {request.AccountId} does not exist in community {request.CommunityId}")
            : new BalanceView(row.AccountId, row.Kind, row.Name, row.Balance, row.Held, row.Balance - row.Held);
    }
}
