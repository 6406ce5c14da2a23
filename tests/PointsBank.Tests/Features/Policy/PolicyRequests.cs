using PointsBank.Features.Policy;

namespace PointsBank.Tests.Features.Policy;

internal static class PolicyRequests
{
    /// <summary>A PUT of the whole policy, as read: change what a test needs with <c>with</c> before calling this.</summary>
    public static UpdatePolicy Replacing(this CommunityPolicy p, long communityId) => new(communityId, p.AccountMode, p.NoticeDays,
        p.PenaltyPolicy, p.YearEnd, p.YearEndBase, p.YuanPerPoint, p.BackdateDays, p.TransfersAllowed, p.TransferScope, p.RedBlackBoard);
}
