using System.Data.Common;
using Dapper;

namespace PointsBank.Features.Communities;

/// <summary>Look-ups the roster use cases share.</summary>
internal static class Roster
{
    private const string CommunityExists = "SELECT COUNT(*) FROM communities WHERE id = @communityId";

    public static async Task<bool> CommunityExistsAsync(DbConnection connection, long communityId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(CommunityExists, new { communityId }, cancellationToken: ct)) > 0;
}
