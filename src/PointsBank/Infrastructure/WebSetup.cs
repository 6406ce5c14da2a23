using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace PointsBank.Infrastructure;

public static class WebSetup
{
    public const string SignInLimit = "sign-in";
    public const string PublicLimit = "public";

    /// <summary>
    /// Per client address: sign-in and token requests (guessing passwords) and public pages (scraping) are limited;
    /// the rest of the API needs a caller anyway. Limits come from <c>RateLimits:SignInPerMinute</c> and <c>RateLimits:PublicPerMinute</c>.
    /// </summary>
    public static IServiceCollection AddPointsBankRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = "60";
                if (http.Request.Path.StartsWithSegments("/api"))
                {
                    await Problems.Result(http, "too_many_requests").ExecuteAsync(http);
                    return;
                }
                // A person at a page: no body here, so the status-code page renders the Chinese (or English) page.
            };
            // Showing the sign-in form is free; only submitting credentials counts.
            o.AddPolicy(SignInLimit, http => HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                ? RateLimitPartition.GetNoLimiter("form")
                : PerClient(http, "RateLimits:SignInPerMinute", 10));
            o.AddPolicy(PublicLimit, http => PerClient(http, "RateLimits:PublicPerMinute", 120));
        });
        return services;
    }

    private static RateLimitPartition<string> PerClient(HttpContext http, string setting, int fallback)
    {
        var limit = http.RequestServices.GetRequiredService<IConfiguration>().GetValue(setting, fallback);
        return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "local",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
    }

    /// <summary>For answers that carry a secret (a new API token): no cache, shared or private, may keep them.</summary>
    public static RouteHandlerBuilder NoStore(this RouteHandlerBuilder builder) => builder.AddEndpointFilter(async (context, next) =>
    {
        var headers = context.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        return await next(context);
    });

    /// <summary>Headers every response carries; pages get a strict content security policy.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        await next(context);
    });

    /// <summary>The OpenAPI document at /openapi/v1.json, with the bearer scheme and each operation's allowed roles.</summary>
    public static IServiceCollection AddPointsBankOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "PointsBank 积分银行 API";
            document.Info.Description = "Errors are RFC 9457 problem details with a stable `code`. Send `Authorization: Bearer pbk_…` " +
                "(a token from POST /api/v1/auth/token). POSTs that create ledger entries need an `Idempotency-Key` header.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "API token pbk_… issued by POST /api/v1/auth/token or the `admin issue-token` verb",
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            // Requests bound with [AsParameters] name their query parameters after the record's properties (PageSize);
            // binding ignores case, and the documented name is the JSON-style one every client uses.
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                parameter.Name = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            }
            var access = context.Description.ActionDescriptor.EndpointMetadata.OfType<EndpointAccess>().LastOrDefault();
            if (access is null || access.IsPublic)
            {
                operation.Description = (operation.Description + " Access: public.").Trim();
                return Task.CompletedTask;
            }
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", context.Document)] = [] });
            operation.Description = (operation.Description + $" Access: roles {string.Join(", ", access.Roles.Select(r => r.ToString().ToLowerInvariant()))}" +
                " in the community.").Trim();
            return Task.CompletedTask;
        });
    });
}
