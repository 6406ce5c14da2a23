using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Rules;

namespace PointsBank.Features.Rules;

/// <summary>
/// A new version of a rule, under a new catalogue version that records the meeting which adopted it. The old version
/// stays (entries it produced keep naming it). The committee only. An optional Idempotency-Key makes a retry (the
/// page's form sent twice) answer the version it recorded instead of recording another.
/// </summary>
[Allow(Role.Committee)]
public sealed record ReviseRule([property: JsonIgnore] long CommunityId, [property: JsonIgnore] string Code, RuleDefinition Rule,
    RuleAdoption Adoption, [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<RuleView>>, IValidated, ICommunityWide, IIdempotent
{
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate()
    {
        foreach (var error in RuleRequests.Validate(Rule, Adoption))
        {
            yield return error;
        }
        if (Rule is not null && Rule.Code != Code)
        {
            yield return new FieldError("rule.code", "须与地址中的细则编码相同", "must equal the rule code in the address");
        }
    }
}

sealed class ReviseRuleHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<ReviseRule, Outcome<RuleView>>
{
    public async Task<Outcome<RuleView>> Handle(ReviseRule request, CancellationToken ct)
    {
        if (work.Community is null)
        {
            return RuleRequests.CommunityNotFound(request.CommunityId);
        }
        if (await RuleCatalog.CurrentAsync(work, request.CommunityId, request.Code, ct) is null)
        {
            return RuleRequests.RuleNotFound(request.Code);
        }
        return await RuleRequests.AdoptAsync(work, request.CommunityId, request.Rule, request.Adoption, callers.Current.Actor, ct);
    }
}
