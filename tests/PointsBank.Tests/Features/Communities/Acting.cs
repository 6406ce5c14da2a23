using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Communities;

/// <summary>Sends a request through the real pipeline as a given caller (a scope of its own, as one HTTP request has).</summary>
internal static class Acting
{
    public static async Task<T> SendAs<T>(this TestDatabase db, Caller caller, IRequest<T> request)
    {
        await using var scope = db.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = caller;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>A signed-in user holding one role in one community (an inspector optionally limited to a grid).</summary>
    public static Caller As(Role role, long communityId, long? gridId = null, long? shopId = null, long userId = 0) =>
        Caller.User(userId == 0 ? 100 + (int)role : userId, role.ToString().ToLowerInvariant(), [new RoleGrant(communityId, role, gridId, shopId)]);

    /// <summary>An administrator of the whole installation.</summary>
    public static Caller SystemAdmin() => Caller.User(1, "root", [new RoleGrant(null, Role.Admin)]);
}
