using PointsBank.Data;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Auth;

/// <summary>The caller's own API tokens (never the secrets, which are not stored).</summary>
[AnyStaff]
public sealed record ListMyTokens : IRequest<Outcome<IReadOnlyList<TokenInfo>>>, IQuery;

sealed class ListMyTokensHandler(CallerContext callers, Tokens tokens) : IRequestHandler<ListMyTokens, Outcome<IReadOnlyList<TokenInfo>>>
{
    public async Task<Outcome<IReadOnlyList<TokenInfo>>> Handle(ListMyTokens request, CancellationToken ct) =>
        new(await tokens.ListAsync(callers.Current.UserId!.Value, ct), null);
}

public sealed record TokenRevoked(long TokenId);

/// <summary>Revokes one of the caller's own tokens; it stops working at once.</summary>
[AnyStaff]
public sealed record RevokeMyToken(long TokenId) : IRequest<Outcome<TokenRevoked>>;

sealed class RevokeMyTokenHandler(CallerContext callers, Tokens tokens, UnitOfWork work) : IRequestHandler<RevokeMyToken, Outcome<TokenRevoked>>
{
    public async Task<Outcome<TokenRevoked>> Handle(RevokeMyToken request, CancellationToken ct) =>
        await tokens.RevokeAsync(work, request.TokenId, callers.Current.UserId, ct)
            ? new TokenRevoked(request.TokenId)
            : new Failure("token_not_found", $"token {request.TokenId} is not one of yours, or is already revoked");
}
