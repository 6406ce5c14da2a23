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
    public Task<Outcome<IReadOnlyList<RuleView>>> Handle(ListRules request, CancellationToken ct) =>
        RuleRequests.ReadAsync(db, request.CommunityId, null,
            async connection => (IReadOnlyList<RuleView>?)await RuleCatalog.ListCurrentAsync(connection, request.CommunityId, ct), ct);
}
