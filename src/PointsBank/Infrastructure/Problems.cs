using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Ledger;

namespace PointsBank.Infrastructure;

/// <summary>Every machine code the API can return, with its HTTP status and titles in Chinese and English.</summary>
public static class ProblemCatalog
{
    public sealed record Entry(int Status, string Zh, string En);

    private static readonly Dictionary<string, Entry> Entries = new()
    {
        ["validation_failed"] = new(400, "请求内容有误", "The request is invalid"),
        ["invalid_request"] = new(400, "请求格式有误", "The request is malformed"),
        ["idempotency_key_required"] = new(400, "缺少 Idempotency-Key 请求头", "The Idempotency-Key header is required"),
        ["unbalanced"] = new(400, "记账分录借贷不平", "The postings do not sum to zero"),
        ["invalid_entry"] = new(400, "记账内容有误", "The ledger entry is invalid"),
        ["unauthorized"] = new(401, "需要登录或有效的凭据", "Authentication is required"),
        ["forbidden"] = new(403, "没有权限执行此操作", "You are not allowed to do this"),
        ["self_approval"] = new(403, "不能审核自己录入的内容", "You cannot approve what you recorded yourself"),
        ["invalid_credentials"] = new(401, "用户名或密码错误", "Wrong username or password"),
        ["account_locked"] = new(423, "密码错误次数过多，账户已暂时锁定，请稍后再试", "Too many wrong passwords; the account is locked for a while"),
        ["too_many_requests"] = new(429, "请求过于频繁，请稍后再试", "Too many requests; please wait and try again"),
        ["user_exists"] = new(409, "用户名已存在", "The username is taken"),
        ["user_not_found"] = new(404, "用户不存在", "The user does not exist"),
        ["token_not_found"] = new(404, "令牌不存在或已撤销", "The token does not exist or was revoked"),
        ["role_not_found"] = new(404, "该用户没有这个角色", "The user does not hold this role"),
        ["grid_not_found"] = new(404, "网格不存在", "The grid does not exist"),
        ["household_not_found"] = new(404, "户不存在", "The household does not exist"),
        ["resident_not_found"] = new(404, "居民不存在", "The resident does not exist"),
        ["shop_not_found"] = new(404, "商家不存在", "The shop does not exist"),
        ["not_found"] = new(404, "未找到", "Not found"),
        ["community_not_found"] = new(404, "社区不存在", "The community does not exist"),
        ["account_not_found"] = new(404, "账户不存在", "The account does not exist"),
        ["owner_not_found"] = new(404, "户或居民不存在", "The household, resident or shop does not exist"),
        ["transaction_not_found"] = new(404, "该笔记录不存在", "The transaction does not exist"),
        ["hold_not_found"] = new(404, "冻结记录不存在", "The hold does not exist"),
        ["payload_too_large"] = new(413, "请求内容过大", "The request is too large"),
        ["idempotency_conflict"] = new(409, "该 Idempotency-Key 已用于另一笔不同的请求", "The Idempotency-Key was already used for a different request"),
        ["already_reversed"] = new(409, "该笔记录已冲正，不能重复冲正", "The transaction was already reversed"),
        ["not_reversible"] = new(409, "冲正记录不能再次冲正", "A reversal cannot be reversed"),
        ["community_exists"] = new(409, "社区编码已存在", "A community with this code exists"),
        ["grid_name_exists"] = new(409, "本社区已有同名网格", "The community already has a grid with this name"),
        ["household_code_exists"] = new(409, "本社区已有相同门牌编号的户", "The community already has a household with this code"),
        ["shop_name_exists"] = new(409, "本社区已有同名商家", "The community already has a shop with this name"),
        ["community_inactive"] = new(409, "社区已停用", "The community is deactivated"),
        ["grid_inactive"] = new(409, "网格已停用，不能再加入户", "The grid is deactivated and takes no new households"),
        ["household_inactive"] = new(409, "户已停用，不能再加入居民", "The household is deactivated and takes no new residents"),
        ["time_zone_locked"] = new(409, "已有积分记录，不能再修改社区时区", "The time zone cannot change once the ledger has entries"),
        ["account_inactive"] = new(409, "该户或居民已停用，不能再记分", "The household or resident of this account is deactivated"),
        ["account_exists"] = new(409, "账户已存在", "The account already exists"),
        ["hold_not_open"] = new(409, "冻结已结束", "The hold is no longer open"),
        ["effective_date_in_future"] = new(400, "记分日期不能晚于今天", "The effective date is in the future"),
        ["effective_date_too_old"] = new(400, "记分日期早于本社区允许补记的期限", "The effective date is older than the community allows"),
        ["insufficient_points"] = new(422, "可用积分不足", "Not enough points available"),
        ["internal_error"] = new(500, "服务器内部错误，请稍后再试", "Internal server error; please try again later"),
        ["service_unavailable"] = new(503, "服务暂不可用", "The service is unavailable"),
    };

    public static IReadOnlyDictionary<string, Entry> All => Entries;

    public static Entry Get(string code) => Entries.TryGetValue(code, out var entry)
        ? entry
        : throw new ArgumentOutOfRangeException(nameof(code), code, "no such problem code");

    public static Failure ToFailure(LedgerError error, string detail) => new(error switch
    {
        LedgerError.InvalidEntry => "invalid_entry",
        LedgerError.Unbalanced => "unbalanced",
        LedgerError.UnknownCommunity => "community_not_found",
        LedgerError.UnknownAccount => "account_not_found",
        LedgerError.InsufficientPoints => "insufficient_points",
        LedgerError.IdempotencyConflict => "idempotency_conflict",
        LedgerError.TransactionNotFound => "transaction_not_found",
        LedgerError.AlreadyReversed => "already_reversed",
        LedgerError.NotReversible => "not_reversible",
        LedgerError.HoldNotFound => "hold_not_found",
        LedgerError.HoldNotOpen => "hold_not_open",
        LedgerError.CommunityInactive => "community_inactive",
        LedgerError.AccountInactive => "account_inactive",
        LedgerError.EffectiveDateInFuture => "effective_date_in_future",
        LedgerError.EffectiveDateTooOld => "effective_date_too_old",
        _ => throw new ArgumentOutOfRangeException(nameof(error)),
    }, detail);
}

/// <summary>RFC 9457 problem details with a stable <c>code</c>, titled in the caller's language (Chinese unless English is preferred).</summary>
public static class Problems
{
    public static bool PrefersEnglish(HttpContext context)
    {
        var preferred = context.Request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is null or > 0)
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value ?? "")
            .FirstOrDefault(l => l.StartsWith("zh", StringComparison.OrdinalIgnoreCase) || l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return preferred?.StartsWith("en", StringComparison.OrdinalIgnoreCase) == true;
    }

    public static ProblemHttpResult Result(HttpContext context, string code, string? detail = null,
        IDictionary<string, object?>? extensions = null)
    {
        var entry = ProblemCatalog.Get(code);
        var english = PrefersEnglish(context);
        var problem = new ProblemDetails
        {
            Status = entry.Status,
            Title = english ? entry.En : entry.Zh,
            Detail = detail,
            Type = $"https://pointsbank.example/problems/{code.Replace('_', '-')}",
            Instance = context.Request.Path,
        };
        problem.Extensions["code"] = code;
        problem.Extensions["traceId"] = context.TraceIdentifier;
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Result(HttpContext context, Failure failure) => Result(context, failure.Code, failure.Detail);

    /// <summary>200 with the value, or the failure as problem details.</summary>
    public static Results<Ok<T>, ProblemHttpResult> Reply<T>(HttpContext context, Outcome<T> outcome) =>
        outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Result(context, outcome.Failure!);

    /// <summary>201 with the value at the location it names, or the failure as problem details.</summary>
    public static Results<Created<T>, ProblemHttpResult> Created<T>(HttpContext context, Outcome<T> outcome, Func<T, string> location) =>
        outcome.Succeeded ? TypedResults.Created(location(outcome.Value!), outcome.Value!) : Result(context, outcome.Failure!);

    /// <summary>Turns validation failures and malformed requests into 400s, and anything else into a 500 that leaks nothing.</summary>
    public static async ValueTask<bool> HandleExceptionAsync(HttpContext context, Exception exception)
    {
        ProblemHttpResult result = exception switch
        {
            IdempotencyKeyRequiredException => Result(context, "idempotency_key_required",
                PrefersEnglish(context)
                    ? $"send a unique {IdempotencyKeys.Header} header of 1 to {LedgerKeys.MaxClientKeyLength} characters with every request that creates ledger entries"
                    : $"创建积分记录的每个请求都须在请求头 {IdempotencyKeys.Header} 中带一个唯一键（1 到 {LedgerKeys.MaxClientKeyLength} 个字符）"),
            RequestValidationException invalid => Result(context, "validation_failed", null, new Dictionary<string, object?>
            {
                ["errors"] = invalid.Errors
                    .GroupBy(e => e.Field)
                    .ToDictionary(g => g.Key, g => g.Select(e => PrefersEnglish(context) ? e.En : e.Zh).ToArray()),
            }),
            Identity.NotAuthenticatedException => Result(context, "unauthorized",
                PrefersEnglish(context) ? "Sign in, or send a valid bearer token." : "请先登录，或提供有效的访问令牌。"),
            Identity.ForbiddenException forbidden => Result(context, forbidden.Code),
            BadHttpRequestException bad => Result(context, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "payload_too_large" : "invalid_request",
                PrefersEnglish(context) ? "The request body or parameters could not be read." : "请求内容或参数无法读取。"),
            _ => Result(context, "internal_error"),
        };
        await result.ExecuteAsync(context);
        return true;
    }
}

/// <summary>Plugs <see cref="Problems.HandleExceptionAsync"/> into ASP.NET Core's exception handling.</summary>
public sealed class ProblemExceptionHandler : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        Problems.HandleExceptionAsync(httpContext, exception);
}
