using PointsBank.Identity;

namespace PointsBank.Infrastructure;

/// <summary>
/// Endpoint metadata: who may call it, taken from the request type it sends (the pipeline enforces the same rule).
/// Every endpoint carries one; the authorization matrix test and the OpenAPI document read it.
/// </summary>
public sealed record EndpointAccess(bool IsPublic, IReadOnlyList<Role> Roles, Type? Request)
{
    public static readonly EndpointAccess Public = new(true, PointsBank.Identity.Roles.All, null);
}

public static class EndpointAccessExtensions
{
    /// <summary>Declares the endpoint's access from the request it sends.</summary>
    public static RouteHandlerBuilder Sends<TRequest>(this RouteHandlerBuilder builder)
    {
        var rule = AccessRule.For(typeof(TRequest))
            ?? throw new InvalidOperationException($"{typeof(TRequest).Name} declares no access rule");
        return builder.WithMetadata(new EndpointAccess(rule.IsPublic, rule.Roles, typeof(TRequest)));
    }

    /// <summary>An endpoint open to anyone that sends no request (health, the OpenAPI document).</summary>
    public static TBuilder PublicEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(EndpointAccess.Public);
}
