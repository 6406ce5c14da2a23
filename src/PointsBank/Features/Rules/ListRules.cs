using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Rules;

/// <summary>The community's current rule catalogue (积分细则): the newest version of every rule. Every staff role.</summary>
[AnyStaff]
public sealed record ListRules(long CommunityId) : IRequest<Outcome<IReadOnlyList<RuleView>>>, IQuery, ICommunityWide;

sealed class ListRulesHandler(DbDataSource db) : IRequestHandler<ListRules, Outcome<IReadOnlyList<RuleView>>>
{
    public async Task<Outcome<IReadOnlyList<RuleView>>> Handle(ListRules request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await RuleRequests.CommunityExistsAsync(connection, request.CommunityId, ct)
            ? new Outcome<IReadOnlyList<RuleView>>(await RuleCatalog.ListCurrentAsync(connection, request.CommunityId, ct), null)
            : RuleRequests.CommunityNotFound(request.CommunityId);
    }
}
