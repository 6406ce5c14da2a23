using System.Globalization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages.Policy;

/// <summary>
/// 积分政策: the community's policy in words for every staff role (<see cref="GetPolicy"/>), and for the committee and
/// the community's admins a form that replaces it, every field at once (<see cref="UpdatePolicy"/>).
/// </summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    [FromRoute]
    public long CommunityId { get; set; }

    [BindProperty]
    public PolicyForm Form { get; set; } = new();

    public CommunityPolicy? Policy { get; private set; }

    public string? Error { get; private set; }

    [TempData]
    public string? Done { get; set; }

    /// <summary>Changing the policy is the committee's and the admins' (the request says so).</summary>
    public bool CanEdit =>
        HttpContext.RequestServices.GetRequiredService<CallerContext>().Current is var caller
        && (caller.Kind == CallerKind.System || caller.Holds(CommunityId, Role.Committee) || caller.Holds(CommunityId, Role.Admin));

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }
        Form = PolicyForm.Of(Policy!);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        try
        {
            var outcome = await mediator.Send(new UpdatePolicy(CommunityId, Form.AccountMode, Form.NoticeDays, Form.PenaltyPolicy, Form.YearEnd,
                Form.YearEnd == CommunityPolicy.NonRedeemableBase ? Form.YearEndBase : null, Form.YuanPerPoint, Form.BackdateDays,
                Form.TransfersAllowed, Form.TransferScope, Form.RedBlackBoard), ct);
            if (outcome.Succeeded)
            {
                Done = T("积分政策已保存", "The policy is saved");
                return Redirect($"/policy/{CommunityId}");
            }
            Error = PageText.Problem(this, outcome.Failure!);
        }
        catch (RequestValidationException e)
        {
            Error = PageText.Invalid(this, e);
        }
        return await LoadAsync(ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var policy = await mediator.Send(new GetPolicy(CommunityId), ct);
        Policy = policy.Value;
        return policy.Succeeded;
    }

    public string AccountModeText(string mode) => mode == CommunityPolicy.Person ? T("以人为单位", "Per person") : T("以户为单位", "Per household");

    public string PenaltyText(string penalty) => penalty == "allow_negative"
        ? T("扣分可扣成负分", "Deductions may take the balance below zero")
        : T("扣分最多扣到可用积分为止，不出现负分", "Deductions take at most the available points; no negative balance");

    public string YearEndText(CommunityPolicy p) => p.YearEnd switch
    {
        CommunityPolicy.ZeroAtYearEnd => T("年底清零", "Reset to zero at year end"),
        CommunityPolicy.NonRedeemableBase => T($"年底保留 {p.YearEndBase} 分基础分（不可兑换）", $"Keep a base of {p.YearEndBase} points at year end (not redeemable)"),
        _ => T("结转到下一年", "Carried forward to the next year"),
    };

    public string YuanText(decimal yuan) => yuan == 0
        ? T("积分不折合现金", "Points have no yuan value")
        : T($"每分折合 {yuan.ToString("0.####", CultureInfo.InvariantCulture)} 元", $"Each point is worth ¥{yuan.ToString("0.####", CultureInfo.InvariantCulture)}");

    public string TransferText(CommunityPolicy p) => !p.TransfersAllowed
        ? T("不允许赠送积分", "Residents may not give points")
        : p.TransferScope == CommunityPolicy.WholeCommunity
            ? T("允许赠送给家人和本社区邻居", "Residents may give points to family and neighbours in the community")
            : T("允许赠送给同户家人", "Residents may give points to family in the same household");
}

/// <summary>The policy as a form: every field, as <see cref="UpdatePolicy"/> takes it.</summary>
public sealed class PolicyForm
{
    public string? AccountMode { get; set; }
    public int? NoticeDays { get; set; }
    public string? PenaltyPolicy { get; set; }
    public string? YearEnd { get; set; }
    public long? YearEndBase { get; set; }
    public decimal? YuanPerPoint { get; set; }
    public int? BackdateDays { get; set; }
    public bool TransfersAllowed { get; set; }
    public string? TransferScope { get; set; }
    public bool RedBlackBoard { get; set; }

    public static PolicyForm Of(CommunityPolicy p) => new()
    {
        AccountMode = p.AccountMode,
        NoticeDays = p.NoticeDays,
        PenaltyPolicy = p.PenaltyPolicy,
        YearEnd = p.YearEnd,
        YearEndBase = p.YearEnd == CommunityPolicy.NonRedeemableBase ? p.YearEndBase : null,
        YuanPerPoint = p.YuanPerPoint,
        BackdateDays = p.BackdateDays,
        TransfersAllowed = p.TransfersAllowed,
        TransferScope = p.TransferScope,
        RedBlackBoard = p.RedBlackBoard,
    };
}
