using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>The community's own settings. Every role of the community may read them.</summary>
[AnyStaff]
public sealed record GetCommunity(long CommunityId) : IRequest<Outcome<CommunityView>>, IQuery, ICommunityWide;

sealed class GetCommunityHandler(DbDataSource db) : IRequestHandler<GetCommunity, Outcome<CommunityView>>
{
    private const string Select = """
        SELECT id AS Id, code AS Code, name AS Name, time_zone AS TimeZone, account_mode AS AccountMode,
               penalty_policy AS PenaltyPolicy, is_active AS IsActive, created_at AS CreatedAt
          FROM communities WHERE id = @communityId
        """;

    public async Task<Outcome<CommunityView>> Handle(GetCommunity request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var community = await connection.QuerySingleOrDefaultAsync<CommunityView>(new CommandDefinition(Select,
            new { communityId = request.CommunityId }, cancellationToken: ct));
        return community is null ? new Failure("community_not_found", $"community {request.CommunityId} does not exist") : community;
    }
}
