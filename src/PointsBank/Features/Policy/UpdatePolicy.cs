using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Policy;

/// <summary>
/// Replaces the community's policy (every field is sent). The account mode is fixed once the ledger has entries:
/// accounts and their history were kept in it. The change is recorded in the roster's history (entity_changes) as an
/// update of the community with <c>{"policy": …}</c> before and after. The committee and admins of the community.
/// <see cref="RedBlackBoard"/> (红黑榜, added later) may be left out: it then stays as it is, so a client written
/// before it existed does not switch it off.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record UpdatePolicy(
    [property: JsonIgnore] long CommunityId,
    string? AccountMode,
    int? NoticeDays,
    string? PenaltyPolicy,
    string? YearEnd,
    long? YearEndBase,
    decimal? YuanPerPoint,
    int? BackdateDays,
    bool? TransfersAllowed,
    string? TransferScope,
    bool? RedBlackBoard = null) : IRequest<Outcome<CommunityPolicy>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate()
    {
        if (AccountMode is not (CommunityPolicy.Household or CommunityPolicy.Person))
        {
            yield return new FieldError("accountMode", "须为 household（以户为单位）或 person（以人为单位）", "must be 'household' or 'person'");
        }
        foreach (var e in Required("noticeDays", NoticeDays, n => Check.Range("noticeDays", n, 0, CommunityPolicy.MaxNoticeDays))) yield return e;
        if (PenaltyPolicy is not ("cap" or "allow_negative"))
        {
            yield return new FieldError("penaltyPolicy", "须为 cap（扣分以可用积分为限）或 allow_negative（允许负分）", "must be 'cap' or 'allow_negative'");
        }
        if (YearEnd is not (CommunityPolicy.CarryForward or CommunityPolicy.ZeroAtYearEnd or CommunityPolicy.NonRedeemableBase))
        {
            yield return new FieldError("yearEnd", "须为 carry_forward（结转）、zero（年底清零）或 non_redeemable_base（保留不可兑换的基础分）",
                "must be 'carry_forward', 'zero' or 'non_redeemable_base'");
        }
        else if (YearEnd == CommunityPolicy.NonRedeemableBase)
        {
            foreach (var e in Required("yearEndBase", YearEndBase, b => Check.Range("yearEndBase", b, 1, CommunityPolicy.MaxYearEndBase))) yield return e;
        }
        else if (YearEndBase is not (null or 0))
        {
            yield return new FieldError("yearEndBase", "仅在 yearEnd 为 non_redeemable_base 时填写", "is only given when yearEnd is 'non_redeemable_base'");
        }
        foreach (var e in Required("yuanPerPoint", YuanPerPoint, Rate)) yield return e;
        foreach (var e in Required("backdateDays", BackdateDays, n => Check.Range("backdateDays", n, 0, CommunityPolicy.MaxBackdateDays))) yield return e;
        foreach (var e in Required("transfersAllowed", TransfersAllowed, _ => [])) yield return e;
        if (TransferScope is not (CommunityPolicy.Family or CommunityPolicy.WholeCommunity))
        {
            yield return new FieldError("transferScope", "须为 family（仅限同户家人）或 community（家人和本社区邻居）",
                "must be 'family' (the same household) or 'community' (family and neighbours in the community)");
        }
    }

    private static IEnumerable<FieldError> Required<T>(string field, T? value, Func<T, IEnumerable<FieldError>> check) where T : struct =>
        value is { } present ? check(present) : [new FieldError(field, "不能为空", "is required")];

    // An exact amount of yuan per point with at most four decimal places (¥0.0001); 0 means points have no yuan value.
    private static IEnumerable<FieldError> Rate(decimal rate)
    {
        if (rate < 0 || rate > CommunityPolicy.MaxYuanPerPoint || decimal.Round(rate, 4) != rate)
        {
            yield return new FieldError("yuanPerPoint", $"须为 0 到 {CommunityPolicy.MaxYuanPerPoint} 之间、最多 4 位小数的数（如 0.5）",
                $"must be a number from 0 to {CommunityPolicy.MaxYuanPerPoint} with at most 4 decimal places (e.g. 0.5)");
        }
    }
}

sealed class UpdatePolicyHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<UpdatePolicy, Outcome<CommunityPolicy>>
{
    private const string Update = """
        UPDATE communities
           SET account_mode = @accountMode, notice_days = @noticeDays, penalty_policy = @penaltyPolicy, year_end = @yearEnd,
               year_end_base = @yearEndBase, yuan_per_point_e4 = @yuanPerPointE4, backdate_days = @backdateDays,
               transfers_allowed = @transfersAllowed, transfer_scope = @transferScope, red_black_board = @redBlackBoard
         WHERE id = @communityId
        """;

    public async Task<Outcome<CommunityPolicy>> Handle(UpdatePolicy request, CancellationToken ct)
    {
        if (await CommunityPolicy.ReadAsync(work, request.CommunityId, ct) is not { } before)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var asked = new CommunityPolicy(request.AccountMode!, request.NoticeDays!.Value, request.PenaltyPolicy!, request.YearEnd!,
            request.YearEndBase ?? 0, request.YuanPerPoint!.Value, request.BackdateDays!.Value, request.TransfersAllowed!.Value,
            request.TransferScope!, request.RedBlackBoard ?? before.RedBlackBoard);
        // The unit holds the chain-head lock, so no transaction can be posted between this check and the update.
        if (asked.AccountMode != before.AccountMode && work.Community is { LastSeq: > 0 })
        {
            return CommunityPolicy.AccountModeLocked(request.CommunityId);
        }
        await work.ExecuteAsync(Update, new
        {
            communityId = request.CommunityId,
            accountMode = asked.AccountMode,
            noticeDays = asked.NoticeDays,
            penaltyPolicy = asked.PenaltyPolicy,
            yearEnd = asked.YearEnd,
            yearEndBase = asked.YearEndBase,
            yuanPerPointE4 = asked.YuanPerPointE4,
            backdateDays = asked.BackdateDays,
            transfersAllowed = asked.TransfersAllowed,
            transferScope = asked.TransferScope,
            redBlackBoard = asked.RedBlackBoard,
        }, ct);
        var after = (await CommunityPolicy.ReadAsync(work, request.CommunityId, ct))!;
        if (after != before)
        {
            await ChangeLog.RecordAsync(work.Connection, work.Transaction, request.CommunityId, RosterEntity.Community, request.CommunityId,
                RosterChange.Update, callers.Current.Actor, work.Now, new { policy = before }, new { policy = after }, ct);
        }
        return after;
    }
}
