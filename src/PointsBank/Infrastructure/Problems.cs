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
        ["idempotency_key_repeated"] = new(400, "Idempotency-Key 请求头只能发送一次", "The Idempotency-Key header must be sent exactly once"),
        ["unknown_member"] = new(400, "请求内容含有不认识的字段", "The request body has a member this request does not take"),
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
        ["rule_not_found"] = new(404, "积分细则不存在", "The rule does not exist"),
        ["claim_not_found"] = new(404, "申报不存在", "The claim does not exist"),
        ["objection_not_found"] = new(404, "异议不存在", "The objection does not exist"),
        ["not_found"] = new(404, "未找到", "Not found"),
        ["community_not_found"] = new(404, "社区不存在", "The community does not exist"),
        ["account_not_found"] = new(404, "账户不存在", "The account does not exist"),
        ["owner_not_found"] = new(404, "户或居民不存在", "The household, resident or shop does not exist"),
        ["transaction_not_found"] = new(404, "该笔记录不存在", "The transaction does not exist"),
        ["hold_not_found"] = new(404, "冻结记录不存在", "The hold does not exist"),
        ["ranking_revision_not_found"] = new(404, "该月积分榜尚未公布这一版", "This revision of the month's ranking has not been published"),
        ["ranking_row_not_found"] = new(404, "该账户不在这一版积分榜上", "The account has no row in this revision of the ranking"),
        ["method_not_allowed"] = new(405, "该地址不支持这种请求方法", "The address does not support this method"),
        ["payload_too_large"] = new(413, "请求内容过大", "The request is too large"),
        ["unsupported_media_type"] = new(415, "请求内容须为 JSON（Content-Type: application/json）", "The request body must be JSON (Content-Type: application/json)"),
        ["idempotency_conflict"] = new(409, "该 Idempotency-Key 已用于另一笔不同的请求", "The Idempotency-Key was already used for a different request"),
        ["already_reversed"] = new(409, "该笔记录已冲正，不能重复冲正", "The transaction was already reversed"),
        ["not_reversible"] = new(409, "冲正记录不能再次冲正", "A reversal cannot be reversed"),
        ["community_exists"] = new(409, "社区编码已存在", "A community with this code exists"),
        ["grid_name_exists"] = new(409, "本社区已有同名网格", "The community already has a grid with this name"),
        ["household_code_exists"] = new(409, "本社区已有相同门牌编号的户", "The community already has a household with this code"),
        ["shop_name_exists"] = new(409, "本社区已有同名商家", "The community already has a shop with this name"),
        ["rule_exists"] = new(409, "本社区已有相同编码的积分细则", "The catalogue already has a rule with this code"),
        ["community_inactive"] = new(409, "社区已停用", "The community is deactivated"),
        ["grid_inactive"] = new(409, "网格已停用，不能再加入户", "The grid is deactivated and takes no new households"),
        ["household_inactive"] = new(409, "户已停用，不能再加入居民", "The household is deactivated and takes no new residents"),
        ["time_zone_locked"] = new(409, "已有积分记录，不能再修改社区时区", "The time zone cannot change once the ledger has entries"),
        ["account_mode_locked"] = new(409, "已有积分记录，不能再修改记分单位（以户/以人）", "The account mode cannot change once the ledger has entries"),
        ["transfers_off"] = new(409, "本社区未开放积分赠送", "The community's policy does not allow transfers"),
        ["transfer_same_account"] = new(409, "不能赠送给同一个账户", "A transfer needs two different accounts"),
        ["transfer_other_community"] = new(409, "只能赠送给本社区的账户", "Both accounts of a transfer must belong to this community"),
        ["transfer_not_family"] = new(409, "本社区只允许赠送给同户家人", "The community allows transfers to family (the same household) only"),
        ["account_inactive"] = new(409, "该户或居民已停用，不能再记分", "The household or resident of this account is deactivated"),
        ["account_exists"] = new(409, "账户已存在", "The account already exists"),
        ["person_accounts_off"] = new(409, "本社区以户为单位记分，不能开设个人账户", "The community keeps points per household; it opens no person accounts"),
        ["hold_not_open"] = new(409, "冻结已结束", "The hold is no longer open"),
        ["claim_not_pending"] = new(409, "该申报已审核过，不能再审核", "The claim was reviewed already"),
        ["claim_not_withdrawable"] = new(409, "该申报已入账、已驳回或已撤回，不能再撤回", "The claim posted, was rejected or withdrawn, or was stopped: it cannot be withdrawn"),
        ["claim_not_in_notice"] = new(409, "该申报不在公示期内，不能提出异议", "The claim is not in its public notice window"),
        ["objection_decided"] = new(409, "该异议已有处理决定", "The objection was decided already"),
        ["rule_refused"] = new(422, "按积分细则不能这样记分", "The rule does not allow this entry"),
        ["rule_needs_claim"] = new(409, "这条细则须先申报、审核和公示，不能直接记分", "This rule's entries go through a claim, review and public notice"),
        ["rule_required"] = new(400, "请选择一条积分细则：奖励和扣分的分值都由细则计算", "Pick a rule: awards and deductions take their points from a rule of the catalogue"),
        ["points_not_allowed"] = new(400, "这条细则的分值由细则算出，不能另填分数（只有酌定分值的细则可以填写分数）", "This rule gives its own points: an explicit amount is only for a discretionary rule"),
        ["rule_not_recordable"] = new(403, "您的角色不能按这条细则记分", "Your role may not record entries under this rule"),
        ["rule_is_a_deduction"] = new(400, "这是扣分细则，请用扣分", "This rule deducts points: use a deduction"),
        ["rule_is_an_award"] = new(400, "这是加分细则，请用奖励", "This rule awards points: use an award"),
        ["inspection_rule_not_graded"] = new(422, "卫生检查只能按有等次的细则评定", "Inspections grade households under a graded rule"),
        ["inspection_period_in_future"] = new(422, "不能评定尚未开始的月份", "The month to grade has not begun"),
        ["inspection_household_not_in_grid"] = new(422, "有一户不是本网格的在册户，整批未记分", "A household of the batch is not an active household of the grid; nothing was posted"),
        ["inspection_household_no_account"] = new(422, "有一户尚未开设积分账户，整批未记分", "A household of the batch has no points account; nothing was posted"),
        ["inspection_household_refused"] = new(422, "有一户按细则不能这样评定，整批未记分", "The rule refuses a household's grade; nothing was posted"),
        ["inspection_already_graded"] = new(409, "有一户本月已按这条细则评定过（须先更正），整批未记分", "A household was already graded for the month (correct that entry first); nothing was posted"),
        ["evidence_required"] = new(400, "这条细则须写明依据", "This rule needs an evidence note"),
        ["effective_date_in_future"] = new(400, "记分日期不能晚于今天", "The effective date is in the future"),
        ["effective_date_too_old"] = new(400, "记分日期早于本社区允许补记的期限", "The effective date is older than the community allows"),
        ["insufficient_points"] = new(422, "可用积分不足", "Not enough points available"),
        ["year_not_over"] = new(422, "这一年还没有结束", "The year is not over yet"),
        ["month_not_over"] = new(422, "这个月还没有结束，月底之后才能公布积分榜", "The month is not over yet: publish its board after its last day"),
        // Redemption (issue 8): the shop's goods, cards, vouchers and the counter. Each refusal has its own code.
        ["product_not_found"] = new(404, "商品不存在", "The product does not exist"),
        ["product_name_exists"] = new(409, "本店已有同名商品", "The shop already has a product with this name"),
        ["product_inactive"] = new(409, "该商品已下架", "The product is no longer offered"),
        ["out_of_stock"] = new(409, "库存不足", "Not enough stock"),
        ["shop_inactive"] = new(409, "该商家已停用", "The shop is deactivated"),
        ["card_not_found"] = new(404, "积分卡不存在", "The card does not exist"),
        ["card_not_valid"] = new(404, "积分卡无效（已挂失、已换新卡或不存在）", "The card is not valid (revoked, replaced or unknown)"),
        ["card_locked"] = new(423, "密码错误次数过多，这张卡已锁定，请找村（居）委会解锁", "Too many wrong PINs: the card is locked until the committee unlocks it"),
        ["pin_wrong"] = new(403, "密码不对", "Wrong PIN"),
        ["card_pin_required"] = new(403, "请用积分卡并输入卡密码", "Send the card's token and its PIN"),
        ["card_account_kind"] = new(409, "只有户或居民的积分账户才能办积分卡", "Only a household or person account gets a card"),
        ["card_not_active"] = new(409, "这张卡已挂失或已换新卡，不能再设置", "The card was revoked or replaced; it cannot be changed"),
        ["pin_not_set"] = new(409, "这张卡还没有设置密码，请找村（居）委会设置", "The card has no PIN yet; the committee sets one"),
        ["voucher_not_found"] = new(404, "没有这张兑换券（可能是扫错了码）", "No such voucher (perhaps the wrong code was scanned)"),
        ["voucher_code_malformed"] = new(400, "这不是兑换券的码，请重新扫描", "This is not a voucher code; scan again"),
        ["voucher_forged"] = new(400, "兑换码校验不通过（输错或伪造），请重新扫描", "The voucher code fails its check (mistyped or forged); scan again"),
        ["voucher_expired"] = new(409, "兑换券已过期，积分已退回，请重新下单", "The voucher expired; its points are available again; order anew"),
        ["voucher_cancelled"] = new(409, "兑换券已取消", "The voucher was cancelled"),
        ["voucher_other_shop"] = new(409, "这张兑换券是在别的商家下的单，不能在本店兑换", "The voucher was ordered at another shop"),
        ["voucher_not_open"] = new(409, "兑换券已使用或已结束，不能再取消", "The voucher was used or ended and cannot be cancelled"),
        ["order_empty"] = new(400, "请至少选一样商品", "Pick at least one item"),
        ["receipt_not_found"] = new(404, "没有这张兑换小票", "No such receipt"),
        ["already_returned"] = new(409, "这笔兑换已经退货", "The redemption was returned already"),
        ["amount_not_accepted"] = new(409, "本店按商品兑换，请选择商品", "This shop redeems goods: order items, not an amount"),
        ["receipt_other_shop"] = new(409, "这张小票是别的商家的，不能在本店退货", "The receipt belongs to another shop"),
        ["activity_not_found"] = new(404, "志愿活动不存在", "The volunteer activity does not exist"),
        ["service_record_not_found"] = new(404, "志愿服务记录不存在", "The service record does not exist"),
        ["hour_claim_not_found"] = new(404, "补报时长申请不存在", "The hour claim does not exist"),
        ["correction_not_found"] = new(404, "更正申请不存在", "The correction request does not exist"),
        ["not_a_volunteer"] = new(404, "此人还不是登记的志愿者（需本人同意后登记）", "This person is not a registered volunteer (register them with their consent)"),
        ["card_has_several_volunteers"] = new(409, "这张户卡上有几位志愿者，请选择是哪一位", "This household card has several volunteers: pick one"),
        ["volunteer_exists"] = new(409, "此人或此志愿者编号已登记", "This person or volunteer number is registered already"),
        ["rule_not_per_hour"] = new(422, "志愿活动须按时长计分的细则", "A volunteer activity needs a per-hour rule"),
        ["activity_not_open"] = new(409, "活动未开始签到或已结束", "The activity is not open for check-in"),
        ["activity_full"] = new(409, "活动人数已满", "The activity is full"),
        ["activity_not_closed"] = new(409, "活动结束后才能出具证明", "Close the activity before certifying"),
        ["activity_status_conflict"] = new(409, "活动状态不允许这样操作", "The activity's status does not allow this"),
        ["outside_activity_window"] = new(409, "不在活动时间内（签到从开始前 30 分钟到结束）", "Outside the activity's time window"),
        ["already_checked_in"] = new(409, "已经签到过了，不能重复签到", "Checked in already"),
        ["already_checked_out"] = new(409, "已经签退过了", "Checked out already"),
        ["not_checked_in"] = new(409, "还没有签到，不能签退", "Not checked in: check in first"),
        ["service_overlap"] = new(409, "同一时间已有志愿服务（一人同一时间只能在一处服务）", "Overlaps the volunteer's other service"),
        ["self_certification"] = new(403, "不能证明或确认自己的志愿服务记录", "Nobody certifies or confirms their own service record"),
        ["has_attendance"] = new(409, "已有签到记录，请申请更正而不是补报", "There is attendance already: ask for a correction instead"),
        ["hour_claim_pending"] = new(409, "已有一份待确认的补报", "A claim for this activity is waiting already"),
        ["hour_claim_not_pending"] = new(409, "这份补报已经处理过了", "The hour claim was decided already"),
        ["record_superseded"] = new(409, "这条记录已被更正，请看新记录", "The record was corrected already"),
        ["correction_pending"] = new(409, "这条记录已有待处理的更正申请", "A correction request is waiting already"),
        ["correction_not_pending"] = new(409, "这份更正申请已经处理过了", "The correction request was decided already"),
        ["roster_not_xlsx"] = new(415, "请上传 Excel 文件（.xlsx）", "Send the workbook as an .xlsx (Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
        ["roster_file_invalid"] = new(400, "这不是 Excel（.xlsx）文件，请用下载的模板填写", "The file is not an .xlsx workbook; fill in the downloaded template"),
        ["resident_still_active"] = new(409, "只能注销已迁出（已停用）的居民，请先停用", "Only a departed (deactivated) resident can be erased; deactivate first"),
        ["resident_already_erased"] = new(409, "这位居民的个人信息已经注销", "The resident's personal data was erased already"),
        ["internal_error"] = new(500, "服务器内部错误，请稍后再试", "Internal server error; please try again later"),
        ["service_unavailable"] = new(503, "服务暂不可用", "The service is unavailable"),
        ["card_exists"] = new(409, "这个账户已经有积分卡了；卡丢了请用“补办新卡”", "The account has a card already; replace it on purpose if it is lost"),
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
        Observability.NoteProblem(context, code);
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Result(HttpContext context, Failure failure) => Result(context, failure.Code, failure.Detail,
        failure.Extensions?.ToDictionary(e => e.Key, e => e.Value));

    /// <summary>200 with the value, or the failure as problem details.</summary>
    public static Results<Ok<T>, ProblemHttpResult> Reply<T>(HttpContext context, Outcome<T> outcome) =>
        outcome.Succeeded ? TypedResults.Ok(Replayed(context, outcome.Value!)) : Result(context, outcome.Failure!);

    /// <summary>201 with the value at the location it names, or the failure as problem details.</summary>
    public static Results<Created<T>, ProblemHttpResult> Created<T>(HttpContext context, Outcome<T> outcome, Func<T, string> location) =>
        outcome.Succeeded ? TypedResults.Created(location(outcome.Value!), Replayed(context, outcome.Value!)) : Result(context, outcome.Failure!);

    // The stored answer to an earlier request with the same Idempotency-Key says it is one.
    private static T Replayed<T>(HttpContext context, T value)
    {
        if (context.RequestServices.GetService<ReplayedAnswer>() is { Replayed: true })
        {
            context.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        }
        return value;
    }

    private static string Bilingual(HttpContext context, string zh, string en) => PrefersEnglish(context) ? en : zh;

    /// <summary>The code of a bare status from the framework (routing, body limits, rate limits, authentication).</summary>
    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "too_many_requests",
        >= 500 => "internal_error",
        _ => "invalid_request",
    };

    /// <summary>
    /// A framework answer that reached the app without a body (no route, a route constraint that did not match, a
    /// method the route does not take, a 401/403 from authentication) becomes a problem with a code for /api paths.
    /// </summary>
    public static async Task StatusCodeProblemAsync(StatusCodeContext status)
    {
        var http = status.HttpContext;
        var code = CodeFor(http.Response.StatusCode);
        await Result(http, code, http.Response.StatusCode == StatusCodes.Status404NotFound
            ? Bilingual(http, $"没有这个地址：{http.Request.Path}", $"there is nothing at {http.Request.Path}")
            : null).ExecuteAsync(http);
    }

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
            RequestBodyException body => Result(context, body.Code, Bilingual(context,
                body.Code == "unknown_member" ? $"请求内容中的字段 {body.Member} 不是此请求的字段" : $"请求内容无法读取（位置 {body.Member ?? "$"}）：须为合法 JSON，数值须为 JSON 数字",
                body.Code == "unknown_member" ? $"{body.Member} is not a member of this request" : $"the body could not be read at {body.Member ?? "$"}: it must be valid JSON, numbers as JSON numbers"),
                new Dictionary<string, object?> { ["member"] = body.Member }),
            IdempotencyKeyRepeatedException => Result(context, "idempotency_key_repeated", Bilingual(context,
                $"请求头 {IdempotencyKeys.Header} 只能出现一次", $"send the {IdempotencyKeys.Header} header once, not {context.Request.Headers[IdempotencyKeys.Header].Count} times")),
            BadHttpRequestException bad => Result(context, CodeFor(bad.StatusCode),
                Bilingual(context, "请求内容或参数无法读取。", "The request body or parameters could not be read.")),
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
