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
    public async Task<Outcome<RuleView>> Handle(GetRule request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await RuleRequests.CommunityExistsAsync(connection, request.CommunityId, ct))
        {
            return RuleRequests.CommunityNotFound(request.CommunityId);
        }
        return await RuleCatalog.FindCurrentAsync(connection, request.CommunityId, request.Code, ct) is { } rule
            ? rule
            : RuleRequests.RuleNotFound(request.Code);
    }
}
