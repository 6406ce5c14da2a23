using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Rules;

namespace PointsBank.Features.Rules;

/// <summary>
/// Adds a rule to the catalogue as version 1, under a new catalogue version that records the meeting which adopted
/// it. The committee only.
/// </summary>
[Allow(Role.Committee)]
public sealed record CreateRule([property: JsonIgnore] long CommunityId, RuleDefinition Rule, RuleAdoption Adoption,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<RuleView>>, IValidated, ICommunityWide, IIdempotent
{
    /// <summary>Optional here: a client that may retry sends one so the retry adds nothing twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() => RuleRequests.Validate(Rule, Adoption);
}

sealed class CreateRuleHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<CreateRule, Outcome<RuleView>>
{
    public async Task<Outcome<RuleView>> Handle(CreateRule request, CancellationToken ct)
    {
        if (work.Community is null)
        {
            return RuleRequests.CommunityNotFound(request.CommunityId);
        }
        if (await RuleCatalog.CurrentAsync(work, request.CommunityId, request.Rule.Code, ct) is not null)
        {
            return new Failure("rule_exists", $"the catalogue already has a rule '{request.Rule.Code}'; PUT a new version instead");
        }
        return await RuleRequests.AdoptAsync(work, request.CommunityId, request.Rule, request.Adoption, callers.Current.Actor, ct);
    }
}
