using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Rankings;

namespace PointsBank.Tests.Http;

/// <summary>Data for the rankings samples: a published revision in each community with the sample account on it.</summary>
public abstract partial class AuthorizationMatrixTests
{
    private readonly Dictionary<long, string> _rankings = [];

    /// <summary>"yyyy-MM/revisions/n" of a revision published at the command line, whose board has the community's sample account.</summary>
    private async Task<string> PublishedRankingAsync(Community community)
    {
        if (_rankings.TryGetValue(community.Id, out var known))
        {
            return known;
        }
        // Only a month that is over is published: an award on the last day of last month (in Shanghai), straight through the ledger.
        var today = PointsBank.Ledger.Projections.LocalDate(DateTime.UtcNow, PointsBank.Ledger.Projections.Zone("Asia/Shanghai"));
        var lastDayOfLastMonth = new DateOnly(today.Year, today.Month, 1).AddDays(-1);
        var ledger = _app.Services.GetRequiredService<PointsBank.Ledger.PointsLedger>();
        var issuance = (await ledger.SystemAccountIdAsync(community.Id, PointsBank.Ledger.SystemAccount.Issuance))!.Value;
        var posted = await ledger.PostAsync(new PointsBank.Ledger.LedgerEntry(community.Id, PointsBank.Ledger.TransactionKind.Award,
            PointsBank.Ledger.Categories.GoodDeed, SampleContext.Unique("rk"), "矩阵测试", "cli:matrix",
            [new PointsBank.Ledger.PostingLine(issuance, -1), new PointsBank.Ledger.PostingLine(community.AccountId, 1)], EffectiveDate: lastDayOfLastMonth));
        Assert.That(posted.Error, Is.Null, posted.Detail);
        var month = PointsBank.Ledger.Projections.Month(lastDayOfLastMonth);
        var published = await Cli(new PublishRanking(community.Id, month));
        Assert.That(published.Failure, Is.Null, published.Failure?.Detail);
        return _rankings[community.Id] = $"{month}/revisions/{published.Value!.Revision}";
    }
}
