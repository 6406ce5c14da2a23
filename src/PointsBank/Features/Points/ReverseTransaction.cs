using MediatR;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

/// <summary>Corrects a mistaken transaction with a reversal that references it. Needs a reason; happens once.</summary>
public sealed record ReverseTransaction(long CommunityId, long Seq, string Reason, string IdempotencyKey, string Actor)
    : IRequest<Outcome<Posted>>, IValidated
{
    public IEnumerable<FieldError> Validate() => Check.Positive("seq", Seq).Concat(Check.Text("reason", Reason, 500));
}

sealed class ReverseTransactionHandler(Ledger.Ledger ledger) : IRequestHandler<ReverseTransaction, Outcome<Posted>>
{
    public async Task<Outcome<Posted>> Handle(ReverseTransaction request, CancellationToken ct) =>
        LedgerOutcomes.From(await ledger.ReverseAsync(request.CommunityId, request.Seq, request.Reason, request.Actor, request.IdempotencyKey, ct));
}
