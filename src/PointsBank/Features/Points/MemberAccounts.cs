using System.Data.Common;
using Dapper;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

/// <summary>
/// Checks that an account is a member account (household or person) of the community, and that the community and
/// the account's household or resident are active: a household that moved away earns and loses nothing new.
/// Reversals stay possible, since they correct the past.
/// </summary>
internal static class MemberAccounts
{
    private const string Select = """
        SELECT a.kind AS Kind, c.is_active AS CommunityActive, COALESCE(h.is_active, r.is_active, 1) AS OwnerActive
          FROM accounts a
          JOIN communities c ON c.id = a.community_id
          LEFT JOIN households h ON h.id = a.household_id
          LEFT JOIN residents r ON r.id = a.resident_id
         WHERE a.id = @accountId AND a.community_id = @communityId
        """;

    private sealed class Row
    {
        public string Kind { get; init; } = "";
        public bool CommunityActive { get; init; }
        public bool OwnerActive { get; init; }
    }

    public static async Task<Failure?> RequireAsync(DbDataSource db, long communityId, long accountId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select, new { accountId, communityId }, cancellationToken: ct));
        return row switch
        {
            null or { Kind: not ("household" or "person") } =>
                new Failure("account_not_found", $"account {accountId} is not a household or person account of community {communityId}"),
            { CommunityActive: false } => new Failure("community_inactive", $"community {communityId} is deactivated"),
            { OwnerActive: false } => new Failure("account_inactive", $"the household or resident of account {accountId} is deactivated"),
            _ => null,
        };
    }
}
