using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Features.Claims;
using PointsBank.Features.Points;
using PointsBank.Features.Volunteers;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>One card of an account as the export shows it: dates and state only — never the token, its sealed copy or the PIN hash.</summary>
public sealed record ExportedCard
{
    public long CardId { get; init; }
    public long AccountId { get; init; }
    public string Status { get; init; } = "";
    public DateTime IssuedAt { get; init => field = Clock.AsUtc(value); }
    public string IssuedBy { get; init; } = "";
    public bool HasPin { get; init; }
    public bool Locked { get; init; }
    public DateTime? LockedAt { get; init => field = value is { } v ? Clock.AsUtc(v) : null; }
    public DateTime? RevokedAt { get; init => field = value is { } v ? Clock.AsUtc(v) : null; }
}

/// <summary>One account of the resident (the household's, or their own in a per-person community): balance and every entry, newest first.</summary>
public sealed record ExportedAccount(BalanceView Balance, long EntryCount, IReadOnlyList<HistoryItem> Entries, IReadOnlyList<ExportedCard> Cards);

/// <summary>
/// Everything the community holds about one resident, for that resident (个人信息保护法 — the right to a copy): the
/// roster rows (resident, household, grid), the change-history rows about the resident and the household, the
/// accounts with balance and full history, the claims on those accounts, the volunteer registration and service
/// records (null when not a volunteer), and the cards' dates and state.
/// </summary>
public sealed record ResidentDataExport(
    string Format,
    DateTime ExportedAt,
    string ExportedBy,
    long CommunityId,
    ResidentView Resident,
    HouseholdView? Household,
    GridView? Grid,
    IReadOnlyList<EntityChange> Changes,
    IReadOnlyList<ExportedAccount> Accounts,
    IReadOnlyList<ClaimView> Claims,
    VolunteerRecordsView? Volunteer)
{
    public const string FormatName = "pointsbank.resident-export.v1";
}

/// <summary>
/// A resident's own data exported for them (个人信息保护法, issue 11 item 8). The committee runs it at the office and
/// hands the resident the JSON or the printed page. It calls the existing queries (GetResident, GetHousehold, GetGrid,
/// GetChangeHistory, GetBalance, GetHistory, ListClaims, GetVolunteerRecords) — every page of the paged ones — and
/// reads the cards' dates and state itself (no query lists an account's revoked cards). Reads are not audited
/// (AuditBehavior records writes and denied attempts), so an export leaves no audit row.
/// </summary>
[Allow(Role.Committee)]
public sealed record ExportResidentData(long CommunityId, long ResidentId) : IRequest<Outcome<ResidentDataExport>>, IQuery, IResidentScoped;

sealed class ExportResidentDataHandler(IMediator mediator, DbDataSource db, CallerContext callers, TimeProvider clock)
    : IRequestHandler<ExportResidentData, Outcome<ResidentDataExport>>
{
    // The columns chosen one by one: token_hash, token_sealed and pin_hash never leave the table.
    private const string Cards = """
        SELECT id AS CardId, account_id AS AccountId, status AS Status, issued_at AS IssuedAt, issued_by AS IssuedBy,
               CASE WHEN pin_hash IS NULL THEN 0 ELSE 1 END AS HasPin, CASE WHEN locked_at IS NULL THEN 0 ELSE 1 END AS Locked,
               locked_at AS LockedAt, revoked_at AS RevokedAt
          FROM cards WHERE account_id = @accountId AND community_id = @communityId
         ORDER BY id
        """;

    public async Task<Outcome<ResidentDataExport>> Handle(ExportResidentData request, CancellationToken ct)
    {
        var c = request.CommunityId;
        var resident = await mediator.Send(new GetResident(c, request.ResidentId), ct);
        if (!resident.Succeeded)
        {
            return resident.Failure!;
        }
        HouseholdView? household = null;
        GridView? grid = null;
        if (resident.Value!.HouseholdId is { } householdId)
        {
            var found = await mediator.Send(new GetHousehold(c, householdId), ct);
            household = found.Value;
            if (household?.GridId is { } gridId)
            {
                grid = (await mediator.Send(new GetGrid(c, gridId), ct)).Value;
            }
        }

        var changes = new List<EntityChange>();
        if (await AllChangesAsync(c, "resident", request.ResidentId, changes, ct) is { } changesFailed)
        {
            return changesFailed;
        }
        if (household is not null)
        {
            if (await AllChangesAsync(c, "household", household.Id, changes, ct) is { } householdFailed)
            {
                return householdFailed;
            }
        }
        changes.Sort((a, b) => b.Id.CompareTo(a.Id));

        var accountIds = new List<long>();
        if (household?.AccountId is { } householdAccount) accountIds.Add(householdAccount);
        if (resident.Value.AccountId is { } personAccount) accountIds.Add(personAccount);
        var accounts = new List<ExportedAccount>();
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            foreach (var accountId in accountIds)
            {
                var balance = await mediator.Send(new GetBalance(c, accountId), ct);
                if (!balance.Succeeded)
                {
                    return balance.Failure!;
                }
                var (total, entries, entriesFailed) = await AllEntriesAsync(c, accountId, ct);
                if (entriesFailed is not null)
                {
                    return entriesFailed;
                }
                var cards = (await connection.QueryAsync<ExportedCard>(new CommandDefinition(Cards, new { accountId, communityId = c }, cancellationToken: ct))).AsList();
                accounts.Add(new ExportedAccount(balance.Value!, total, entries, cards));
            }
        }

        var claims = await mediator.Send(new ListClaims(c), ct);
        var volunteer = await mediator.Send(new GetVolunteerRecords(c, request.ResidentId), ct);
        // A copy of someone's data that looks complete must be complete: any refusal on the way is the answer (only
        // "not a volunteer" means there is nothing of that kind to export).
        if (!claims.Succeeded)
        {
            return claims.Failure!;
        }
        if (!volunteer.Succeeded && volunteer.Failure!.Code != "not_a_volunteer")
        {
            return volunteer.Failure!;
        }
        return new ResidentDataExport(ResidentDataExport.FormatName, PointsBank.Data.Clock.Now(clock), callers.Current.Actor, c,
            resident.Value, household, grid, changes, accounts,
            claims.Value!.Where(x => accountIds.Contains(x.AccountId)).ToList(),
            volunteer.Succeeded ? volunteer.Value : null);
    }

    private async Task<Failure?> AllChangesAsync(long communityId, string entity, long id, List<EntityChange> into, CancellationToken ct)
    {
        for (var page = 1; ; page++)
        {
            var found = await mediator.Send(new GetChangeHistory(communityId, entity, id, page, Paging.MaxPageSize), ct);
            if (!found.Succeeded) return found.Failure;
            into.AddRange(found.Value!.Items);
            if ((long)page * Paging.MaxPageSize >= found.Value.Total) return null;
        }
    }

    private async Task<(long Total, List<HistoryItem> Entries, Failure? Failed)> AllEntriesAsync(long communityId, long accountId, CancellationToken ct)
    {
        var entries = new List<HistoryItem>();
        for (var page = 1; ; page++)
        {
            var found = await mediator.Send(new GetHistory(communityId, accountId, page, Paging.MaxPageSize), ct);
            if (!found.Succeeded) return (entries.Count, entries, found.Failure);
            entries.AddRange(found.Value!.Items);
            if (!found.Value.HasMore) return (found.Value.Total, entries, null);
        }
    }
}
