using System.Data.Common;
using Dapper;
using MediatR;

namespace PointsBank.Identity;

/// <summary>
/// Checks the caller before any handler runs, so no endpoint, page or CLI path can skip it: the request must declare
/// who may send it; the caller needs an allowed role in the request's community (an inspector limited to grids
/// only for those grids, a shopkeeper only for their shop); and an approval must come from someone other than the
/// recorder. A request that declares nothing is refused: access fails closed.
/// </summary>
public sealed class AuthorizationBehavior<TRequest, TResponse>(CallerContext callers, IServiceProvider services, DbDataSource db, Data.UnitOfWork work)
    : IPipelineBehavior<TRequest, TResponse>
{
    // The grid of the household behind a household account, or behind a person account's household.
    private const string GridOfAccount = """
        SELECT COALESCE(h1.grid_id, h2.grid_id)
          FROM accounts a
          LEFT JOIN households h1 ON h1.id = a.household_id
          LEFT JOIN residents r ON r.id = a.resident_id
          LEFT JOIN households h2 ON h2.id = r.household_id
         WHERE a.id = @accountId AND a.community_id = @communityId
        """;

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var name = typeof(TRequest).Name;
        var rule = AccessRule.For(typeof(TRequest))
            ?? throw new InvalidOperationException($"{name} declares no access rule: add [Allow(...)] or [PublicAccess]");
        if (rule.IsPublic)
        {
            return await next();
        }
        var caller = callers.Current;
        switch (caller.Kind)
        {
            case CallerKind.System:
                return await next();
            case CallerKind.Anonymous:
                // Whoever presents an active card's token may send a card holder's request about that card (the PIN,
                // where it spends, is the handler's second check).
                return rule.CardHolder && request is ICardPresented && await PresentedCardAsync(request, cancellationToken) is not null
                    ? await next()
                    : throw new NotAuthenticatedException(name);
            case CallerKind.CardHolder:
                // A card reads its own account and nothing else; it spends only through a request that presents the
                // card itself and its PIN.
                return rule.CardHolder && caller.Card is { } card
                       && ((request is IAccountScoped own && own.CommunityId == card.CommunityId && own.AccountId == card.AccountId)
                           || (request is ICardPresented && await PresentedCardAsync(request, cancellationToken) == card.CardId))
                    ? await next()
                    : throw new ForbiddenException("forbidden", $"{caller.Actor} may only read its own account");
        }
        if (!await PermittedAsync(caller, rule, request!, cancellationToken))
        {
            throw new ForbiddenException("forbidden", $"{caller.Actor} may not send {name}" +
                (request is ICommunityScoped scoped ? $" in community {scoped.CommunityId}" : ""));
        }
        if (request is IApproval)
        {
            var lookup = services.GetService(typeof(IRecorderOf<TRequest>)) as IRecorderOf<TRequest>
                ?? throw new InvalidOperationException($"{name} is an approval but no IRecorderOf<{name}> is registered");
            var recorder = await lookup.RecorderAsync(request, cancellationToken);
            if (recorder is not null && recorder == caller.UserId)
            {
                throw new ForbiddenException("self_approval", $"{caller.Actor} recorded this and cannot also approve it");
            }
        }
        return await next();
    }

    private async Task<bool> PermittedAsync(Caller caller, AccessRule rule, object request, CancellationToken ct)
    {
        if (caller.IsSystemAdmin && rule.Roles.Contains(Role.Admin))
        {
            return true;
        }
        if (request is IAcrossCommunities)
        {
            // Over the caller's own communities: an allowed role in at least one (the handler reads only those).
            return caller.Grants.Any(g => g.CommunityId is not null && rule.Roles.Contains(g.Role));
        }
        if (request is not ICommunityScoped scoped)
        {
            // Not tied to a community (e.g. "my tokens"): any signed-in staff user, when the request says so.
            return rule.AnyStaff;
        }
        foreach (var grant in caller.Grants)
        {
            if (grant.CommunityId != scoped.CommunityId || !rule.Roles.Contains(grant.Role))
            {
                continue;
            }
            if (grant is { Role: Role.Inspector, GridId: { } grid } && request is not ICommunityWide && await GridAsync(request, ct) != grid)
            {
                continue;
            }
            if (grant.Role == Role.Shopkeeper && request is IShopScoped atShop && atShop.ShopId != grant.ShopId)
            {
                continue;
            }
            return true;
        }
        return false;
    }

    private const string ActiveCard = "SELECT id FROM cards WHERE token_hash = @tokenHash AND community_id = @communityId AND status = 'active'";

    // The active card of the request's community whose token the request presents, or null.
    private async Task<long?> PresentedCardAsync(object request, CancellationToken ct) =>
        request is ICardPresented { CardToken: { } token } presented && Features.Cards.CardSecrets.LooksLikeToken(token)
            ? await ScalarAsync(ActiveCard, new { tokenHash = Features.Cards.CardSecrets.HashToken(token), communityId = presented.CommunityId }, ct)
            : null;

    private const string GridOfHousehold = "SELECT grid_id FROM households WHERE id = @householdId AND community_id = @communityId";

    private const string GridOfResident = """
        SELECT h.grid_id FROM residents r JOIN households h ON h.id = r.household_id
         WHERE r.id = @residentId AND r.community_id = @communityId
        """;

    // The grid a request acts on, for inspectors limited to grids: declared by the request, or found from its account.
    // A request about no particular grid is outside every grid, so a grid-limited inspector may not send it.
    private async Task<long?> GridAsync(object request, CancellationToken ct)
    {
        switch (request)
        {
            case IGridScoped onGrid:
                return onGrid.GridId;
            case IAccountScoped onAccount:
                return await ScalarAsync(GridOfAccount, new { accountId = onAccount.AccountId, communityId = onAccount.CommunityId }, ct);
            case IHouseholdScoped onHousehold:
                return await ScalarAsync(GridOfHousehold, new { householdId = onHousehold.HouseholdId, communityId = onHousehold.CommunityId }, ct);
            case IResidentScoped onResident:
                return await ScalarAsync(GridOfResident, new { residentId = onResident.ResidentId, communityId = onResident.CommunityId }, ct);
            default:
                return null;
        }
    }

    // Inside an open unit (a request sent from another) the read joins it: another connection could wait on its locks.
    private async Task<long?> ScalarAsync(string sql, object args, CancellationToken ct)
    {
        if (work.IsOpen)
        {
            return await work.ScalarAsync<long?>(sql, args, ct);
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(sql, args, cancellationToken: ct));
    }
}
