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
    public Task<Outcome<IReadOnlyList<RuleView>>> Handle(ListRuleVersions request, CancellationToken ct) =>
        RuleRequests.ReadAsync(db, request.CommunityId, request.Code, async connection =>
        {
            var versions = await RuleCatalog.ListVersionsAsync(connection, request.CommunityId, request.Code, ct);
            return versions.Count > 0 ? versions : null;
        }, ct);
}
