using PointsBank.Ledger;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

/// <summary>One transaction of a community by its sequence number, with its postings and hash.</summary>
[Allow(Role.Committee, Role.Admin, Role.Reviewer)]
public sealed record GetTransaction(long CommunityId, long Seq) : IRequest<Outcome<TransactionView>>, IQuery, ICommunityScoped;

sealed class GetTransactionHandler(PointsLedger ledger) : IRequestHandler<GetTransaction, Outcome<TransactionView>>
{
    public async Task<Outcome<TransactionView>> Handle(GetTransaction request, CancellationToken ct) =>
        await ledger.GetTransactionAsync(request.CommunityId, request.Seq, ct) is { } tx
            ? TransactionView.From(tx)
            : new Failure("transaction_not_found", $"transaction {request.Seq} does not exist in community {request.CommunityId}");
}
