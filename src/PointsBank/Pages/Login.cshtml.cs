using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using PointsBank.Features.Auth;
using PointsBank.Infrastructure;

namespace PointsBank.Pages;

/// <summary>
/// Username and password sign-in for staff. The password is checked by the <see cref="SignIn"/> request (audited,
/// locking after five failures), never here; the page only sets the cookie. Rate limited per client address.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(WebSetup.SignInLimit)]
public sealed class LoginModel(IMediator mediator) : ShellPage
{
    [BindProperty]
    public string Username { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? LocalRedirect(SafeReturnUrl) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Username) || string.IsNullOrEmpty(Password))
        {
            Error = T("请输入用户名和密码。", "Enter your username and password.");
            return Page();
        }
        Outcome<SignedIn> outcome;
        try
        {
            outcome = await mediator.Send(new SignIn(Username, Password), ct);
        }
        catch (RequestValidationException)
        {
            // Too long to be anyone's username or password: answer as for a wrong one.
            outcome = new Failure("invalid_credentials", "the username or password is malformed");
        }
        if (!outcome.Succeeded)
        {
            var problem = ProblemCatalog.Get(outcome.Failure!.Code);
            Error = T(problem.Zh, problem.En);
            return Page();
        }
        var user = outcome.Value!;
        var principal = Authentication.Principal(user.UserId, user.Username, CookieAuthenticationDefaults.AuthenticationScheme);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(DisplayNameClaim, user.DisplayName));
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return LocalRedirect(SafeReturnUrl);
    }

    // Only a path on this site: never follow ReturnUrl elsewhere (an open redirect is a phishing tool).
    private string SafeReturnUrl => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/";
}
