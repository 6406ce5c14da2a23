using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Rankings;

namespace PointsBank.Tests.Http;

/// <summary>Data for the rankings samples: a published revision in each community with the sample account on it.</summary>
public sealed partial class AuthorizationMatrixTests
{
    private readonly Dictionary<long, string> _rankings = [];

    /// <summary>"yyyy-MM/revisions/n" of a revision published at the command line, whose board has the community's sample account.</summary>
    private async Task<string> PublishedRankingAsync(Community community)
    {
        if (_rankings.TryGetValue(community.Id, out var known))
        {
            return known;
        }
        var seq = await NewAwardSeqAsync(community);
        var db = _app.Services.GetRequiredService<System.Data.Common.DbDataSource>();
        string month;
        await using (var connection = await db.OpenConnectionAsync())
        {
            month = (await connection.ExecuteScalarAsync<string>(
                "SELECT effective_date FROM ledger_transactions WHERE community_id = @c AND seq = @seq", new { c = community.Id, seq }))![..7];
        }
        var published = await Cli(new PublishRanking(community.Id, month));
        Assert.That(published.Failure, Is.Null, published.Failure?.Detail);
        return _rankings[community.Id] = $"{month}/revisions/{published.Value!.Revision}";
    }
}
