using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Infrastructure;

namespace PointsBank.Tests.Http;

/// <summary>The shape of every problem response, and its title in Chinese (default) or English.</summary>
public sealed class ProblemDetailsTests
{
    private static async Task<(int Status, string ContentType, JsonElement Body)> Render(string code, string? acceptLanguage)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Path = "/api/v1/somewhere";
        if (acceptLanguage is not null)
        {
            context.Request.Headers.AcceptLanguage = acceptLanguage;
        }
        context.Response.Body = new MemoryStream();

        await Problems.Result(context, code, "detail text").ExecuteAsync(context);

        context.Response.Body.Position = 0;
        var body = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, context.Response.ContentType!, body.RootElement);
    }

    [TestCase("validation_failed", 400, "请求内容有误", "The request is invalid")]
    [TestCase("not_found", 404, "未找到", "Not found")]
    [TestCase("account_not_found", 404, "账户不存在", "The account does not exist")]
    [TestCase("forbidden", 403, "没有权限执行此操作", "You are not allowed to do this")]
    [TestCase("unauthorized", 401, "需要登录或有效的凭据", "Authentication is required")]
    [TestCase("idempotency_conflict", 409, "该 Idempotency-Key 已用于另一笔不同的请求", "The Idempotency-Key was already used for a different request")]
    [TestCase("already_reversed", 409, "该笔记录已冲正，不能重复冲正", "The transaction was already reversed")]
    [TestCase("insufficient_points", 422, "可用积分不足", "Not enough points available")]
    [TestCase("account_locked", 423, "密码错误次数过多，账户已暂时锁定，请稍后再试", "Too many wrong passwords; the account is locked for a while")]
    public async Task Problem_HasStableShape_AndSpeaksTheCallersLanguage(string code, int status, string chinese, string english)
    {
        var (defaultStatus, contentType, zh) = await Render(code, null);
        var (_, _, zhExplicit) = await Render(code, "zh-CN,zh;q=0.9,en;q=0.5");
        var (_, _, en) = await Render(code, "en-GB,en;q=0.9");
        var (_, _, enSecond) = await Render(code, "fr-FR, en;q=0.8");

        Assert.That(defaultStatus, Is.EqualTo(status));
        Assert.That(contentType, Does.StartWith("application/problem+json"));
        Assert.That(zh.GetProperty("status").GetInt32(), Is.EqualTo(status));
        Assert.That(zh.GetProperty("code").GetString(), Is.EqualTo(code));
        Assert.That(zh.GetProperty("type").GetString(), Does.EndWith(code.Replace('_', '-')));
        Assert.That(zh.GetProperty("detail").GetString(), Is.EqualTo("detail text"));
        Assert.That(zh.GetProperty("instance").GetString(), Is.EqualTo("/api/v1/somewhere"));
        Assert.That(zh.GetProperty("title").GetString(), Is.EqualTo(chinese));
        Assert.That(zhExplicit.GetProperty("title").GetString(), Is.EqualTo(chinese));
        Assert.That(en.GetProperty("title").GetString(), Is.EqualTo(english));
        Assert.That(enSecond.GetProperty("title").GetString(), Is.EqualTo(english), "the first language we speak wins");
    }

    [Test]
    public void EveryCode_HasBothLanguages_AndAnErrorStatus()
    {
        Assert.That(ProblemCatalog.All.Values, Has.All.Matches<ProblemCatalog.Entry>(e =>
            e.Status >= 400 && !string.IsNullOrWhiteSpace(e.Zh) && !string.IsNullOrWhiteSpace(e.En) && e.Zh != e.En));
    }
}
