using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Policy;

/// <summary>The community's policy (积分政策). Every role of the community may read it: it says how points work there.</summary>
[AnyStaff]
public sealed record GetPolicy(long CommunityId) : IRequest<Outcome<CommunityPolicy>>, IQuery, ICommunityWide;

sealed class GetPolicyHandler(DbDataSource db) : IRequestHandler<GetPolicy, Outcome<CommunityPolicy>>
{
    public async Task<Outcome<CommunityPolicy>> Handle(GetPolicy request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await CommunityPolicy.ReadAsync(connection, null, request.CommunityId, ct) is { } policy
            ? policy
            : new Failure("community_not_found", $"community {request.CommunityId} does not exist");
    }
}
