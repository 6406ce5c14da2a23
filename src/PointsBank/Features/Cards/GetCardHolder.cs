using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Cards;

/// <summary>
/// The top of the resident's card page: the community, the holder's masked name and door-plate code, and this month's
/// points (earned less deducted in the community's current month; redemptions do not count, as on the 光荣榜).
/// </summary>
public sealed record CardHolderView(long AccountId, string CommunityName, string MaskedName, string? HouseholdCode, string AccountKind,
    string Month, long MonthPoints);

/// <summary>What the card page shows about its holder; the card's own holder may read it, and the committee.</summary>
[Allow(Role.Committee, Role.Admin)]
[CardHolder]
public sealed record GetCardHolder(long CommunityId, long AccountId) : IRequest<Outcome<CardHolderView>>, IQuery, IAccountScoped;

sealed class GetCardHolderHandler(DbDataSource db, TimeProvider clock) : IRequestHandler<GetCardHolder, Outcome<CardHolderView>>
{
    private const string Holder = $"""
        SELECT m.name AS CommunityName, m.time_zone AS TimeZone, {CardStore.HolderColumns}
          FROM accounts a JOIN communities m ON m.id = a.community_id
          {CardStore.HolderJoins}
         WHERE a.id = @accountId AND a.community_id = @communityId
        """;

    private const string MonthPoints = """
        SELECT COALESCE(SUM(earned - deducted), 0) FROM monthly_aggregates WHERE account_id = @accountId AND month = @month
        """;

    private sealed class Row
    {
        public string CommunityName { get; set; } = "";
        public string TimeZone { get; set; } = "";
        public long AccountId { get; set; }
        public string Kind { get; set; } = "";
        public string? HouseholdCode { get; set; }
        public long? GridId { get; set; }
        public string? FullName { get; set; }
    }

    public async Task<Outcome<CardHolderView>> Handle(GetCardHolder request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Holder,
            new { accountId = request.AccountId, communityId = request.CommunityId }, cancellationToken: ct));
        if (row is null)
        {
            return new Failure("account_not_found", $"account {request.AccountId} does not exist in community {request.CommunityId}");
        }
        var month = Projections.Month(Clock.Now(clock), Projections.Zone(row.TimeZone));
        var points = await connection.ExecuteScalarAsync<long>(new CommandDefinition(MonthPoints,
            new { accountId = request.AccountId, month }, cancellationToken: ct));
        return new CardHolderView(row.AccountId, row.CommunityName, PersonalData.MaskName(row.FullName), row.HouseholdCode, row.Kind, month, points);
    }
}
