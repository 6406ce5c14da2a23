using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PointsBank.Identity;

namespace PointsBank.Pages;

/// <summary>
/// The base of every page model: applies a language switch (<c>?lang=</c>) and ends the session of a user who was
/// deactivated while signed in (the cookie is still valid, but <see cref="Authentication.UseCaller"/> found no active
/// user behind it).
/// </summary>
public abstract class ShellPage : PageModel
{
    /// <summary>The display name, kept in the cookie so the layout needs no database read on every page.</summary>
    public const string DisplayNameClaim = "display_name";

    public string T(string zh, string en) => HttpContext.T(zh, en);

    /// <summary>
    /// A fresh one-time key for each form rendered (hidden field <c>key</c>), passed as the request's Idempotency-Key: the
    /// unit of work stores the first answer under it, so a double click or a browser's re-send of the same form replays
    /// that answer instead of doing the thing twice. A page with several forms suffixes it per form (<c>-r12</c>).
    /// </summary>
    public string FormKey { get; } = $"page-{Guid.NewGuid():N}";

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var language = http.Request.Query[Text.Query].ToString();
        if (HttpMethods.IsGet(http.Request.Method) && language.Length > 0)
        {
            Text.Remember(http.Response, language);
            var back = http.WithoutSwitch();
            context.Result = new LocalRedirectResult(Url.IsLocalUrl(back) ? back : "/");
            return;
        }
        if (User.Identity?.IsAuthenticated == true && http.RequestServices.GetRequiredService<CallerContext>().Current.Kind == CallerKind.Anonymous)
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            context.Result = new RedirectResult("/login");
            return;
        }
        if (RouteData.Values.TryGetValue("communityId", out var routed) && long.TryParse(Convert.ToString(routed, System.Globalization.CultureInfo.InvariantCulture),
                System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var communityId))
        {
            await UseCommunityTimeAsync(communityId, http.RequestAborted);
        }
        await next();
    }

    /// <summary>
    /// Whether the signed-in caller acts for the committee of <paramref name="communityId"/> (or is the system): what a page
    /// asks before offering the committee's own buttons and links. The requests decide; the page only spares others a
    /// form that would be refused.
    /// </summary>
    protected bool IsCommittee(long communityId) =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current is var caller
        && (caller.Kind == CallerKind.System || caller.Holds(communityId, Role.Committee));

    private Features.Communities.CommunityTime? _time;

    /// <summary>
    /// Now in the page's community's own time zone (today, this month, instants shown): read before the handler when the
    /// route names the community, else by the page once it knows it (a card's, a counter's) through
    /// <see cref="UseCommunityTimeAsync"/>. Never a zone of the page's own.
    /// </summary>
    public Features.Communities.CommunityTime Time =>
        _time ?? throw new InvalidOperationException($"{GetType().Name} shows a community's time before it read the community's time zone");

    /// <summary>Reads the community's time zone for <see cref="Time"/> (once per request: <see cref="Features.Communities.CommunityClock"/>).</summary>
    protected async Task UseCommunityTimeAsync(long communityId, CancellationToken ct) =>
        _time = await HttpContext.RequestServices.GetRequiredService<Features.Communities.CommunityClock>().ForAsync(communityId, ct);
}
