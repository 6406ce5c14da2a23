using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace PointsBank.Pages;

/// <summary>
/// What a person sees when a page address answers with a bare status (no such page, too many attempts, …): the
/// status-code middleware re-executes the request here, keeping the original status and method. The API answers
/// problem details instead.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class StatusModel : ShellPage
{
    public string Title { get; private set; } = "";

    public string Message { get; private set; } = "";

    public void OnGet(int code) => Describe(code);

    // A rejected sign-in POST is re-executed as a POST; it renders the same page.
    public void OnPost(int code) => Describe(code);

    private void Describe(int code)
    {
        if (HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is null)
        {
            Response.StatusCode = code is >= 400 and <= 599 ? code : StatusCodes.Status404NotFound;
        }
        (Title, Message) = code switch
        {
            StatusCodes.Status404NotFound => (T("页面不存在", "Page not found"),
                T("没有找到这个页面。请检查地址，或返回首页。", "There is no page at this address. Check it, or go back to the home page.")),
            StatusCodes.Status429TooManyRequests => (T("尝试次数过多", "Too many attempts"),
                T("尝试次数过多，请等一分钟后再试。", "Too many attempts. Please wait a minute and try again.")),
            StatusCodes.Status405MethodNotAllowed => (T("无法这样打开此页面", "This page cannot be opened this way"),
                T("请从首页重新进入。", "Please start again from the home page.")),
            _ => (T("请求无法完成", "The request could not be completed"),
                T("请稍后再试；如果一直出现，请联系社区管理员。", "Please try again later; if it keeps happening, ask your community's administrator.")),
        };
    }
}
