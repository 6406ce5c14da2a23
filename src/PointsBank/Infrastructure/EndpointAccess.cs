using PointsBank.Identity;

namespace PointsBank.Infrastructure;

/// <summary>
/// Endpoint metadata: who may call it, taken from the request type it sends (the pipeline enforces the same rule).
/// Every endpoint carries one; the authorization matrix test and the OpenAPI document read it.
/// </summary>
public sealed record EndpointAccess(bool IsPublic, IReadOnlyList<Role> Roles, Type? Request)
{
    public static readonly EndpointAccess Public = new(true, PointsBank.Identity.Roles.All, null);

    /// <summary>The kinds of caller the endpoint admits (public, card holder, any staff, roles).</summary>
    public IReadOnlyList<AccessKind> Kinds => Request is null ? [AccessKind.Public] : AccessRule.For(Request)!.Kinds;
}

public static class EndpointAccessExtensions
{
    /// <summary>
    /// Declares the endpoint's access from the request it sends. A public request that names a community (the 公示
    /// list, a published ranking) is anyone's to call, so it gets the public rate limit here, once for every such
    /// endpoint; sign-in has its own, stricter one.
    /// </summary>
    public static RouteHandlerBuilder Sends<TRequest>(this RouteHandlerBuilder builder)
    {
        var rule = AccessRule.For(typeof(TRequest))
            ?? throw new InvalidOperationException($"{typeof(TRequest).Name} declares no access rule");
        builder.WithMetadata(new EndpointAccess(rule.IsPublic, rule.Roles, typeof(TRequest)));
        if (rule.IsPublic && typeof(ICommunityScoped).IsAssignableFrom(typeof(TRequest)))
        {
            builder.RequireRateLimiting(WebSetup.PublicLimit);
        }
        return builder;
    }

    /// <summary>An endpoint open to anyone that sends no request (health, the OpenAPI document).</summary>
    public static TBuilder PublicEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(EndpointAccess.Public);
}
