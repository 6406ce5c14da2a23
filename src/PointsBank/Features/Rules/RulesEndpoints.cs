using PointsBank.Infrastructure;

namespace PointsBank.Features.Rules;

internal static class RulesEndpoints
{
    internal static void MapRules(this IEndpointRouteBuilder routes)
    {
        // Mapped from the community, so the collection's route has no trailing slash.
        var rules = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Rules");

        rules.MapQuery<ListRules>("/rules").WithSummary("The current rule catalogue (积分细则): the newest version of every rule");

        rules.MapQuery<GetRule>("/rules/{code}").WithSummary("The current version of one rule");

        rules.MapQuery<ListRuleVersions>("/rules/{code}/versions").WithSummary("Every version of one rule, newest first, with its adoption record");

        rules.MapCommand<CreateRule>("/rules", Reply.Created("/api/v1/communities/{communityId}/rules/{code}"))
            .WithSummary("Add a rule (version 1), recording the meeting that adopted it (committee)");

        rules.MapCommand<ReviseRule>("/rules/{code}", method: HttpMethods.Put)
            .WithSummary("A new version of a rule, recording the meeting that adopted it; the old version stays (committee)");
    }
}
