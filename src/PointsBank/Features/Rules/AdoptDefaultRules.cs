using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Rules;

public sealed record DefaultRulesAdopted(long CommunityId, bool Adopted, int? CatalogueVersion);

/// <summary>
/// Gives a community that has no rule catalogue the default one (<see cref="PointsBank.Rules.DefaultRules"/>), adopted on
/// its local today. Communities made before the rules engine existed (schema 0004) have none; the start-up and the
/// <c>migrate</c> verb send this for each of them (<see cref="DefaultCatalogues"/>). A community that has a catalogue
/// keeps it: nothing changes and <c>Adopted</c> is false.
/// </summary>
[Allow(Role.Admin)]
public sealed record AdoptDefaultRules(long CommunityId) : IRequest<Outcome<DefaultRulesAdopted>>, ICommunityScoped;

sealed class AdoptDefaultRulesHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<AdoptDefaultRules, Outcome<DefaultRulesAdopted>>
{
    private const string HasCatalogue = "SELECT COUNT(*) FROM rule_catalogue_versions WHERE community_id = @communityId";

    public async Task<Outcome<DefaultRulesAdopted>> Handle(AdoptDefaultRules request, CancellationToken ct)
    {
        if (work.Community is not { } community)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (await work.ScalarAsync<long>(HasCatalogue, new { communityId = request.CommunityId }, ct) > 0)
        {
            return new DefaultRulesAdopted(request.CommunityId, false, null);
        }
        var today = Projections.LocalDate(work.Now, Projections.Zone(community.TimeZone));
        var version = await RuleCatalog.AdoptDefaultsAsync(work, request.CommunityId, today, callers.Current.Actor, ct);
        return new DefaultRulesAdopted(request.CommunityId, true, version);
    }
}

/// <summary>Finds the communities without a catalogue and sends <see cref="AdoptDefaultRules"/> for each, as the system.</summary>
public static class DefaultCatalogues
{
    private const string Missing = """
        SELECT c.id FROM communities c
         WHERE NOT EXISTS (SELECT 1 FROM rule_catalogue_versions v WHERE v.community_id = c.id)
         ORDER BY c.id
        """;

    /// <summary>The ids of the communities that got the default catalogue now.</summary>
    public static async Task<IReadOnlyList<long>> AdoptWhereMissingAsync(IServiceProvider services, CancellationToken ct)
    {
        IReadOnlyList<long> missing;
        await using (var connection = await services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync(ct))
        {
            missing = (await connection.QueryAsync<long>(new CommandDefinition(Missing, cancellationToken: ct))).AsList();
        }
        var adopted = new List<long>();
        foreach (var communityId in missing)
        {
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Service("upgrade:default-rules");
            var outcome = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new AdoptDefaultRules(communityId), ct);
            if (outcome.Value is { Adopted: true })
            {
                adopted.Add(communityId);
            }
        }
        return adopted;
    }
}
