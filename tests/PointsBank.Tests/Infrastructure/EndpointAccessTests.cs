using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Tests.Infrastructure;

[PublicAccess]
public sealed record PublicCommunityRead(long CommunityId) : IRequest<Outcome<string>>, IQuery, ICommunityScoped;

[PublicAccess]
public sealed record PublicInstallationRead : IRequest<Outcome<string>>, IQuery;

[AnyStaff]
public sealed record StaffCommunityRead(long CommunityId) : IRequest<Outcome<string>>, IQuery, ICommunityScoped;

/// <summary>What <c>.Sends&lt;TRequest&gt;()</c> puts on an endpoint: its access kinds, and the public rate limit where it applies.</summary>
public sealed class EndpointAccessTests
{
    private static Endpoint Map<TRequest>()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddRouting();
        var app = builder.Build();
        app.MapGet("/x", () => "x").Sends<TRequest>();
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).Single();
    }

    [Test]
    public void APublicRequestNamingACommunity_IsUnderThePublicRateLimit()
    {
        var endpoint = Map<PublicCommunityRead>();

        Assert.That(endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName, Is.EqualTo(WebSetup.PublicLimit));
        Assert.That(endpoint.Metadata.GetMetadata<EndpointAccess>()!.Kinds, Is.EqualTo(new[] { AccessKind.Public }));
    }

    [Test]
    public void OtherRequests_GetNoPublicRateLimit_AndSayTheirKind()
    {
        var installation = Map<PublicInstallationRead>();
        var staff = Map<StaffCommunityRead>();

        Assert.That(installation.Metadata.GetMetadata<EnableRateLimitingAttribute>(), Is.Null);
        Assert.That(staff.Metadata.GetMetadata<EnableRateLimitingAttribute>(), Is.Null);
        Assert.That(staff.Metadata.GetMetadata<EndpointAccess>()!.Kinds, Is.EqualTo(new[] { AccessKind.AnyStaff }));
        Assert.That(AccessRule.For(typeof(PointsBank.Features.Points.GetBalance))!.Kinds,
            Is.EqualTo(new[] { AccessKind.CardHolder, AccessKind.AnyStaff }));
    }
}
