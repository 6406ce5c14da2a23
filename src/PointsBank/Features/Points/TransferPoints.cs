using System.Text.Json;
using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Policy;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

/// <summary>
/// 赠送: a resident gives points from their own account to family (an account of the same household) or, when the
/// community's policy says so, to a neighbour's account in the community. An ordinary ledger transaction (kind
/// <c>adjust</c>, category <c>transfer</c>): moved, not earned, so rankings do not count it; the ledger refuses it if
/// it would overdraw the giver.
/// </summary>
/// <remarks>
/// Residents do not sign in yet: the committee records a transfer on the resident's written request, and
/// <see cref="Note"/> says so (whose request, which paper). Once residents' cards carry a PIN, a card holder will send
/// it for their own account.
/// </remarks>
[Allow(Role.Committee)]
public sealed record TransferPoints(
    [property: JsonIgnore] long CommunityId,
    long FromAccountId,
    long ToAccountId,
    long Points,
    string Note,
    [property: JsonIgnore] string IdempotencyKey,
    DateOnly? OccurredOn = null) : IRequest<Outcome<Posted>>, IValidated, ICommunityScoped, IIdempotent
{
    public IEnumerable<FieldError> Validate() =>
        Check.Positive("fromAccountId", FromAccountId)
            .Concat(Check.Positive("toAccountId", ToAccountId))
            .Concat(Check.Range("points", Points, 1, AwardPoints.MaxPoints))
            .Concat(Check.Text("note", Note, PointsLedger.MaxExplanationLength - 200));
}

sealed class TransferPointsHandler(UnitOfWork work, PointsLedger ledger, CallerContext callers) : IRequestHandler<TransferPoints, Outcome<Posted>>
{
    // The household behind an account: its own, or the household of its person.
    private const string SelectAccounts = """
        SELECT a.id AS Id, a.community_id AS CommunityId, COALESCE(a.household_id, r.household_id) AS HouseholdId
          FROM accounts a LEFT JOIN residents r ON r.id = a.resident_id
         WHERE a.id IN (@fromAccountId, @toAccountId)
        """;

    private sealed record AccountRow
    {
        public long Id { get; init; }
        public long CommunityId { get; init; }
        public long? HouseholdId { get; init; }
    }

    public async Task<Outcome<Posted>> Handle(TransferPoints request, CancellationToken ct)
    {
        // The unit holds the community's lock: neither the policy nor a household's members change until it commits.
        if (await CommunityPolicy.ReadAsync(work, request.CommunityId, ct) is not { } policy)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (!policy.TransfersAllowed)
        {
            return new Failure("transfers_off", $"the policy of community {request.CommunityId} does not allow transfers");
        }
        if (request.FromAccountId == request.ToAccountId)
        {
            return new Failure("transfer_same_account", $"account {request.FromAccountId} cannot give points to itself");
        }
        var accounts = (await work.QueryAsync<AccountRow>(SelectAccounts, new { fromAccountId = request.FromAccountId, toAccountId = request.ToAccountId }, ct)).ToDictionary(a => a.Id);
        foreach (var id in new[] { request.FromAccountId, request.ToAccountId })
        {
            if (!accounts.TryGetValue(id, out var account))
            {
                return new Failure("account_not_found", $"account {id} does not exist");
            }
            if (account.CommunityId != request.CommunityId)
            {
                return new Failure("transfer_other_community", $"account {id} belongs to another community than {request.CommunityId}");
            }
        }
        var from = accounts[request.FromAccountId];
        var to = accounts[request.ToAccountId];
        var family = from.HouseholdId is { } household && household == to.HouseholdId;
        if (!family && policy.TransferScope == CommunityPolicy.Family)
        {
            return new Failure("transfer_not_family", $"accounts {from.Id} and {to.Id} are not of one household, and the policy allows transfers to family only");
        }
        var relation = family ? "family" : "neighbour";
        // Which accounts may take part (member accounts, active) and whether the giver has the points is the ledger's
        // to check, inside the same lock.
        var entry = new LedgerEntry(request.CommunityId, TransactionKind.Adjust, Categories.Transfer, LedgerKeys.Client(request.IdempotencyKey),
            $"积分赠送（{(family ? "家人" : "邻居")}，账户 {from.Id} → 账户 {to.Id}）：{request.Note.Trim()}", callers.Current.Actor,
            [new PostingLine(from.Id, -request.Points), new PostingLine(to.Id, request.Points)],
            Facts: JsonSerializer.Serialize(new { transfer = new { from = from.Id, to = to.Id, relation } }),
            EffectiveDate: request.OccurredOn);
        return LedgerOutcomes.From(await ledger.PostAsync(work, entry, ct));
    }
}
