using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

public sealed record MyRole(long? CommunityId, string? CommunityName, string Role, long? GridId, long? ShopId);

public sealed record MeView(long UserId, string Username, string DisplayName, bool IsSystemAdmin, IReadOnlyList<MyRole> Roles);

/// <summary>The signed-in user and the roles they hold, with community names (for the home page and API clients).</summary>
[Allow(Role.Admin, Role.Committee, Role.Reviewer, Role.Inspector, Role.Organizer, Role.Shopkeeper)]
public sealed record GetMe : IRequest<Outcome<MeView>>, IQuery;

sealed class GetMeHandler(CallerContext callers, UserStore users, DbDataSource db) : IRequestHandler<GetMe, Outcome<MeView>>
{
    private const string CommunityNames = "SELECT id AS Id, name AS Name FROM communities";

    private sealed record NameRow(long Id, string Name);

    public async Task<Outcome<MeView>> Handle(GetMe request, CancellationToken ct)
    {
        var caller = callers.Current;
        var user = await users.FindAsync(caller.UserId!.Value, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        var names = (await connection.QueryAsync<NameRow>(new CommandDefinition(CommunityNames, cancellationToken: ct))).ToDictionary(r => r.Id, r => r.Name);
        return new MeView(user!.Id, user.Username, user.DisplayName, caller.IsSystemAdmin, caller.Grants
            .Select(g => new MyRole(g.CommunityId, g.CommunityId is { } c ? names.GetValueOrDefault(c) : null, g.Role.ToDb(), g.GridId, g.ShopId))
            .ToList());
    }
}
