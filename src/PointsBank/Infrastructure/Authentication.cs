using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using PointsBank.Identity;

namespace PointsBank.Infrastructure;

/// <summary>
/// Two ways in: a cookie for the web pages (username + password at /login) and <c>Authorization: Bearer pbk_…</c>
/// tokens for the API. Either way the request ends up with a <see cref="Caller"/> whose role grants are read fresh
/// from the database, so a revoked role or deactivated user stops working at once.
/// </summary>
public static class Authentication
{
    public const string Smart = "pointsbank";
    public const string Bearer = "bearer";
    public const string UserIdClaim = "uid";

    /// <summary>Where the bearer handler leaves the caller it read with the token, so <see cref="UseCaller"/> need not read it again.</summary>
    internal const string ResolvedCaller = "pointsbank.caller";

    public static IServiceCollection AddPointsBankAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, "Cookie or bearer token", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? Bearer
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "pointsbank.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                // The API answers 401/403 problem details; only pages redirect to the login form.
                o.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(Bearer, null);
        services.AddAuthorization();
        return services;
    }

    public static ClaimsPrincipal Principal(long userId, string username, string scheme) =>
        new(new ClaimsIdentity([new Claim(UserIdClaim, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, username)], scheme));

    /// <summary>Sets the scope's <see cref="CallerContext"/> from the authenticated principal.</summary>
    public static IApplicationBuilder UseCaller(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var callers = context.RequestServices.GetRequiredService<CallerContext>();
        if (context.User.FindFirst(UserIdClaim)?.Value is { } value && long.TryParse(value, out var userId))
        {
            callers.Current = context.Items.TryGetValue(ResolvedCaller, out var resolved) && resolved is Caller known && known.UserId == userId
                ? known
                : await context.RequestServices.GetRequiredService<UserStore>().CallerAsync(userId, context.RequestAborted);
        }
        await next(context);
    });

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>Validates <c>Authorization: Bearer pbk_…</c> against the stored token hashes.</summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    Tokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        // The token, its user and the user's grants in one query; the caller waits in the request's items for UseCaller.
        var (caller, problem) = await tokens.CallerAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (caller is null)
        {
            return AuthenticateResult.Fail(problem!);
        }
        Context.Items[Authentication.ResolvedCaller] = caller;
        return AuthenticateResult.Success(new AuthenticationTicket(
            Authentication.Principal(caller.UserId!.Value, caller.Name, Scheme.Name), Scheme.Name));
    }
}
