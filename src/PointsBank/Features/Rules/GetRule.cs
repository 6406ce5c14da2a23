using System.Data.Common;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Rules;

/// <summary>The current version of one rule. Every staff role.</summary>
[AnyStaff]
public sealed record GetRule(long CommunityId, string Code) : IRequest<Outcome<RuleView>>, IQuery, ICommunityWide;

sealed class GetRuleHandler(DbDataSource db) : IRequestHandler<GetRule, Outcome<RuleView>>
{
    public Task<Outcome<RuleView>> Handle(GetRule request, CancellationToken ct) =>
        RuleRequests.ReadAsync(db, request.CommunityId, request.Code,
            connection => RuleCatalog.FindCurrentAsync(connection, request.CommunityId, request.Code, ct), ct);
}
