using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Rules;

/// <summary>Every version of one rule, newest first, each with the adoption that brought it in. Every staff role.</summary>
[AnyStaff]
public sealed record ListRuleVersions(long CommunityId, string Code) : IRequest<Outcome<IReadOnlyList<RuleView>>>, IQuery, ICommunityWide;

sealed class ListRuleVersionsHandler(DbDataSource db) : IRequestHandler<ListRuleVersions, Outcome<IReadOnlyList<RuleView>>>
{
    public async Task<Outcome<IReadOnlyList<RuleView>>> Handle(ListRuleVersions request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await RuleRequests.CommunityExistsAsync(connection, request.CommunityId, ct))
        {
            return RuleRequests.CommunityNotFound(request.CommunityId);
        }
        var versions = await RuleCatalog.ListVersionsAsync(connection, request.CommunityId, request.Code, ct);
        return versions.Count > 0 ? new Outcome<IReadOnlyList<RuleView>>(versions, null) : RuleRequests.RuleNotFound(request.Code);
    }
}
