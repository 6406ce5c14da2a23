using Microsoft.AspNetCore.Authorization;

namespace PointsBank.Pages;

/// <summary>Where the cookie scheme sends a signed-in user who may not open a page.</summary>
[AllowAnonymous]
public sealed class DeniedModel : ShellPage
{
    public void OnGet()
    {
    }
}
