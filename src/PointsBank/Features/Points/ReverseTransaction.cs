using PointsBank.Data;
using System.Text.Json.Serialization;
using PointsBank.Ledger;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Points;

/// <summary>Corrects a mistaken transaction with a reversal that references it. Needs a reason; happens once.</summary>
[Allow(Role.Committee)]
public sealed record ReverseTransaction([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long Seq, string Reason,
    [property: JsonIgnore] string IdempotencyKey)
    : IRequest<Outcome<Posted>>, IValidated, ICommunityScoped, IIdempotent
{
    public IEnumerable<FieldError> Validate() => Check.Positive("seq", Seq).Concat(Check.Text("reason", Reason, 500));
}

sealed class ReverseTransactionHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers) : IRequestHandler<ReverseTransaction, Outcome<Posted>>
{
    public async Task<Outcome<Posted>> Handle(ReverseTransaction request, CancellationToken ct) =>
        LedgerOutcomes.From(await ledger.ReverseAsync(work, request.CommunityId, request.Seq, request.Reason, callers.Current.Actor,
            LedgerKeys.Client(request.IdempotencyKey), ct));
}
