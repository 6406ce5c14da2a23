namespace PointsBank.Pages;

/// <summary>
/// The pages' one localizer: each string is written where it is used, Chinese first and English beside it, so a
/// page reads in both languages at once and nothing can be missing from a resource file. The language is the
/// <c>lang</c> cookie, set by <c>?lang=en</c> or <c>?lang=zh</c> on any page; without it pages are Chinese whatever
/// the browser asks for, because the people at the counter read Chinese even on an English-language PC.
/// </summary>
public static class Text
{
    public const string Cookie = "lang";
    public const string Query = "lang";

    public static bool IsEnglish(this HttpContext context) => context.Request.Cookies[Cookie] == "en";

    /// <summary>The text in the current page language.</summary>
    public static string T(this HttpContext context, string zh, string en) => context.IsEnglish() ? en : zh;

    /// <summary>The value of <c>&lt;html lang&gt;</c>.</summary>
    public static string HtmlLang(this HttpContext context) => context.IsEnglish() ? "en" : "zh-CN";

    public static void Remember(HttpResponse response, string language) => response.Cookies.Append(Cookie, language == "en" ? "en" : "zh",
        new CookieOptions
        {
            MaxAge = TimeSpan.FromDays(365),
            SameSite = SameSiteMode.Lax,
            HttpOnly = true,
            IsEssential = true,
            Secure = response.HttpContext.Request.IsHttps,
        });

    /// <summary>The current page's address with <c>lang</c> set, for the language switch.</summary>
    public static string Switch(this HttpContext context, string language)
    {
        var query = context.Request.Query.Where(p => p.Key != Query).Append(new(Query, language));
        return context.Request.PathBase + context.Request.Path + QueryString.Create(query);
    }

    /// <summary>The current page's address without <c>lang</c>: where the switch sends the browser once the cookie is set.</summary>
    public static string WithoutSwitch(this HttpContext context) =>
        context.Request.PathBase + context.Request.Path + QueryString.Create(context.Request.Query.Where(p => p.Key != Query));
}
