using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

/// <summary>
/// An account's figures, and whose it is: the household's door-plate code and the holder (a person account's resident,
/// a household's first active member — its head), the name in full only for callers who may see personal data.
/// </summary>
public sealed record BalanceView(long AccountId, string Kind, string Name, long Balance, long Held, long Available,
    string? HouseholdCode = null, string? HolderName = null, bool HolderNameMasked = true)
{
    /// <summary>What holds the <see cref="Held"/> points: each open hold, oldest first, with its voucher when a voucher placed it.</summary>
    public IReadOnlyList<HoldView> Holds { get; init; } = [];
}

/// <summary>
/// One open hold on an account (冻结): its points and until when (UTC), and the voucher that placed it — its id (for
/// cancelling it) and shop. Vouchers are what place holds; a hold without one shows its points alone. Never the voucher's
/// code: any staff role reads a balance, and a code is what a counter redeems; the card holder sees their codes on the card
/// page (<c>Vouchers.OpenOfAccountAsync</c>).
/// </summary>
public sealed record HoldView
{
    public long HoldId { get; init; }
    public long Points { get; init; }
    public DateTime? ExpiresAt { get; init => field = value is { } v ? Data.Clock.AsUtc(v) : null; }
    public long? VoucherId { get; init; }
    public long? ShopId { get; init; }
    public string? ShopName { get; init; }
}

/// <summary>An account's balance, the points held by open vouchers, and what is available to spend.</summary>
[AnyStaff]
[CardHolder]
public sealed record GetBalance(long CommunityId, long AccountId) : IRequest<Outcome<BalanceView>>, IQuery, IAccountScoped;

sealed class GetBalanceHandler(DbDataSource db, CallerContext callers) : IRequestHandler<GetBalance, Outcome<BalanceView>>
{
    private const string Select = $"""
        SELECT {Cards.CardStore.HolderColumns}, a.name AS Name, b.balance AS Balance, b.held AS Held
          FROM accounts a JOIN balances b ON b.account_id = a.id
          {Cards.CardStore.HolderJoins}
         WHERE a.id = @accountId AND a.community_id = @communityId
        """;

    private const string OpenHolds = """
        SELECT hd.id AS HoldId, hd.amount AS Points, hd.expires_at AS ExpiresAt, v.id AS VoucherId,
               v.shop_id AS ShopId, s.name AS ShopName
          FROM holds hd
          LEFT JOIN vouchers v ON v.hold_id = hd.id AND v.community_id = hd.community_id
          LEFT JOIN shops s ON s.id = v.shop_id
         WHERE hd.account_id = @accountId AND hd.community_id = @communityId AND hd.status = 'open'
         ORDER BY hd.id
        """;

    private sealed class Row
    {
        public long AccountId { get; init; }
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public long Balance { get; init; }
        public long Held { get; init; }
        public string? HouseholdCode { get; init; }
        public string? FullName { get; init; }
    }

    public async Task<Outcome<BalanceView>> Handle(GetBalance request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select,
            new { accountId = request.AccountId, communityId = request.CommunityId }, cancellationToken: ct));
        if (row is null)
        {
            return new Failure("account_not_found", $"account {request.AccountId} does not exist in community {request.CommunityId}");
        }
        List<HoldView> holds = row.Held == 0 ? [] : (await connection.QueryAsync<HoldView>(new CommandDefinition(OpenHolds,
            new { accountId = request.AccountId, communityId = request.CommunityId }, cancellationToken: ct))).ToList();
        return Visible(row, request.CommunityId) with { Holds = holds };
    }

    private BalanceView Visible(Row row, long communityId)
    {
        var full = Communities.PersonalData.Visible(callers.Current, communityId);
        var holder = row.FullName is { } name ? (full ? name : Communities.PersonalData.MaskName(name)) : null;
        return new BalanceView(row.AccountId, row.Kind, row.Name, row.Balance, row.Held, row.Balance - row.Held, row.HouseholdCode, holder, !full);
    }
}
