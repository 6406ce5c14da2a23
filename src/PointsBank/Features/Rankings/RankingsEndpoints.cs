using PointsBank.Infrastructure;

namespace PointsBank.Features.Rankings;

internal static class RankingsEndpoints
{
    internal static RouteGroupBuilder MapRankings(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}/rankings").WithTags("Rankings");

        group.MapReport<GetRanking>("/{month}")
            .WithSummary("积分排行榜 (live): the month's points earned (less deductions) per household or person (?by=, default the community's account mode), ?gridId=, ?category=; ties share a rank; &format=csv");

        group.MapCommand<PublishRanking>("/{month}/publish", Reply.Created("/api/v1/communities/{communityId}/rankings/{month}/revisions/{revision}"))
            .WithSummary("公布: freeze the month's board as an immutable revision with its Merkle root and the chain head it was taken at (committee)");

        group.MapQuery<ListRankingRevisions>("/revisions").WithSummary("Every published revision (?month=), newest first (public)");

        group.MapReport<GetRankingRevision>("/{month}/revisions/{revision:int}")
            .WithSummary("A published revision: header and rows with their canonical text and leaf hash (public); &format=csv");

        group.MapQuery<GetRankingProof>("/{month}/revisions/{revision:int}/proof")
            .WithSummary("Inclusion proof of an account's row(s) in a revision (?accountId=): canonical row, leaf index, sibling hashes, root (public)");

        group.MapQuery<VerifyRankingRevision>("/{month}/revisions/{revision:int}/verify")
            .WithSummary("Recompute a revision from the ledger up to its recorded chain head: {matches, rootMatches, chainHeadMatches, rowsMatch, differences}");

        return group;
    }
}
