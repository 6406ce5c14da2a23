using System.Data.Common;
using Dapper;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

/// <summary>Checks that an account is a member account (household or person) of the community.</summary>
internal static class MemberAccounts
{
    private const string SelectKind = "SELECT kind FROM accounts WHERE id = @accountId AND community_id = @communityId";

    public static async Task<Failure?> RequireAsync(DbDataSource db, long communityId, long accountId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var kind = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(SelectKind, new { accountId, communityId }, cancellationToken: ct));
        return kind is "household" or "person"
            ? null
            : new Failure("account_not_found", $"account {accountId} is not a household or person account of community {communityId}");
    }
}
