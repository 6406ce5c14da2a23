using System.Data.Common;
using System.Globalization;
using System.Text.Json.Serialization;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Features.Points;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Volunteers;

public sealed record CorrectionView
{
    public long Id { get; init; }
    public long RecordId { get; init; }
    public string Reason { get; init; } = "";
    public DateTime? StartsAt { get; init; }
    public DateTime? EndsAt { get; init; }
    public string Status { get; init; } = "";
    public string RequestedBy { get; init; } = "";
    public DateTime RequestedAt { get; init; }
    public string? DecidedBy { get; init; }
    public DateTime? DecidedAt { get; init; }
    public string? DecisionReason { get; init; }
    public long? NewRecordId { get; init; }
}

/// <summary>
/// 申请更正: a volunteer (with their card and PIN) or staff asks for a record to be corrected, with a reason and the
/// start and end as they should be. Nothing changes until the organizer decides.
/// </summary>
[CardHolder]
[Allow(Role.Organizer, Role.Committee)]
public sealed record RequestCorrection(
    [property: JsonIgnore] long CommunityId,
    [property: JsonIgnore] long RecordId,
    string Reason,
    DateTimeOffset? StartsAt = null,
    DateTimeOffset? EndsAt = null,
    [property: Secret] string? CardToken = null,
    [property: Secret] string? Pin = null) : IRequest<Outcome<CorrectionView>>, IValidated, ICardPresented
{
    public IEnumerable<FieldError> Validate() =>
        Check.Text("reason", Reason, 500)
            .Concat(StartsAt is { } s && EndsAt is { } e && e <= s ? [new FieldError("endsAt", "结束时间须晚于开始时间", "must be after startsAt")] : [])
            .Concat(ClaimCards.Validate(CardToken, Pin));
}

/// <summary>
/// 更正决定: the organizer accepts (a new record supersedes the old one, which is kept; a certified record's points are
/// reversed and the new record certified and posted) or rejects with a reason. Nobody decides on their own record.
/// </summary>
[Allow(Role.Organizer, Role.Committee)]
public sealed record DecideCorrection([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long CorrectionId, bool Accept, string Reason)
    : IRequest<Outcome<CorrectionView>>, IValidated, IApproval
{
    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

[Allow(Role.Organizer, Role.Committee)]
public sealed record ListCorrections(long CommunityId, string? Status = null) : IRequest<Outcome<IReadOnlyList<CorrectionView>>>, IQuery, ICommunityScoped;

internal static class CorrectionStore
{
    public const string Select = """
        SELECT id AS Id, record_id AS RecordId, reason AS Reason, starts_at AS StartsAt, ends_at AS EndsAt, status AS Status, requested_by AS RequestedBy,
               requested_at AS RequestedAt, decided_by AS DecidedBy, decided_at AS DecidedAt, decision_reason AS DecisionReason, new_record_id AS NewRecordId
          FROM service_record_corrections
        """;

    public static CorrectionView Utc(CorrectionView v) => v with
    {
        StartsAt = v.StartsAt is { } s ? Clock.AsUtc(s) : null, EndsAt = v.EndsAt is { } e ? Clock.AsUtc(e) : null,
        RequestedAt = Clock.AsUtc(v.RequestedAt), DecidedAt = v.DecidedAt is { } d ? Clock.AsUtc(d) : null,
    };

    public static async Task<CorrectionView?> FindAsync(UnitOfWork work, long communityId, long correctionId, CancellationToken ct) =>
        await work.SingleOrDefaultAsync<CorrectionView>(Select + " WHERE id = @correctionId AND community_id = @communityId", new { communityId, correctionId }, ct)
            is { } found ? Utc(found) : null;
}

sealed class CorrectionHandlers(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<RequestCorrection, Outcome<CorrectionView>>, IRequestHandler<DecideCorrection, Outcome<CorrectionView>>
{
    private const string Pending = "SELECT COUNT(*) FROM service_record_corrections WHERE record_id = @recordId AND status = 'requested'";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO service_record_corrections (community_id, record_id, reason, starts_at, ends_at, status, requested_by_user, requested_by, requested_at)
            VALUES (@communityId, @recordId, @reason, @startsAt, @endsAt, 'requested', @userId, @actor, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO service_record_corrections (community_id, record_id, reason, starts_at, ends_at, status, requested_by_user, requested_by, requested_at)
            VALUES (@communityId, @recordId, @reason, @startsAt, @endsAt, 'requested', @userId, @actor, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string Decide = """
        UPDATE service_record_corrections SET status = @status, decided_by_user = @userId, decided_by = @actor, decided_at = @now, decision_reason = @reason
         WHERE id = @correctionId AND community_id = @communityId AND status = 'requested'
        """;

    private const string SetNewRecord = "UPDATE service_record_corrections SET new_record_id = @newId WHERE id = @correctionId";

    private const string Supersede = """
        UPDATE service_records SET status = 'superseded', superseded_by_id = @newId, reversal_seq = @reversalSeq
         WHERE id = @recordId AND community_id = @communityId AND status IN ('recorded', 'certified')
        """;

    private const string CardOwnsRecord = """
        SELECT COUNT(*) FROM service_records s JOIN volunteers v ON v.id = s.volunteer_id JOIN residents r ON r.id = v.resident_id
          JOIN accounts a ON a.id = @accountId
                         AND ((a.kind = 'household' AND r.household_id = a.household_id) OR (a.kind = 'person' AND r.id = a.resident_id))
         WHERE s.id = @recordId
        """;

    public async Task<Outcome<CorrectionView>> Handle(RequestCorrection request, CancellationToken ct)
    {
        if (await VolunteerStore.RecordAsync(work, request.CommunityId, request.RecordId, ct) is not { } record)
        {
            return VolunteerStore.RecordNotFound(request.CommunityId, request.RecordId);
        }
        var caller = callers.Current;
        var presented = await ClaimCards.PresentedAsync(work, caller, request.CommunityId, request.CardToken, request.Pin, ct);
        if (!presented.Succeeded)
        {
            return presented.Failure!;
        }
        // A card asks about its own household's records only; staff may ask about any (a card they scan is checked to be one).
        var actor = presented.Value!.Actor;
        if (presented.Value.ByHolder
            && await work.ScalarAsync<long>(CardOwnsRecord, new { accountId = presented.Value.AccountId, recordId = record.Id }, ct) == 0)
        {
            return new Failure("forbidden", $"{actor} may ask for corrections of its own household's records only");
        }
        if (record.Status == "superseded")
        {
            return new Failure("record_superseded", $"record {record.Id} was corrected already by record {record.SupersededById}: ask about that one");
        }
        if (await work.ScalarAsync<long>(Pending, new { recordId = record.Id }, ct) > 0)
        {
            return new Failure("correction_pending", $"record {record.Id} has a correction request waiting for the organizer");
        }
        var id = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId = request.CommunityId, recordId = record.Id, reason = request.Reason.Trim(),
            startsAt = request.StartsAt is { } s ? Clock.Truncate(s.UtcDateTime) : (DateTime?)null,
            endsAt = request.EndsAt is { } e ? Clock.Truncate(e.UtcDateTime) : (DateTime?)null,
            userId = caller.Kind == CallerKind.User ? caller.UserId : null, actor, now = work.Now,
        }, ct);
        return (await CorrectionStore.FindAsync(work, request.CommunityId, id, ct))!;
    }

    public async Task<Outcome<CorrectionView>> Handle(DecideCorrection request, CancellationToken ct)
    {
        if (await CorrectionStore.FindAsync(work, request.CommunityId, request.CorrectionId, ct) is not { } correction)
        {
            return new Failure("correction_not_found", $"community {request.CommunityId} has no correction request {request.CorrectionId}");
        }
        var old = (await VolunteerStore.RecordAsync(work, request.CommunityId, correction.RecordId, ct))!;
        var caller = callers.Current;
        if (Certification.Own(caller, old) is { } own)
        {
            return own;
        }
        var decided = await work.ExecuteAsync(Decide, new
        {
            status = request.Accept ? "accepted" : "rejected", userId = caller.UserId, actor = caller.Actor, now = work.Now, reason = request.Reason.Trim(),
            correctionId = correction.Id, communityId = request.CommunityId,
        }, ct);
        if (decided == 0)
        {
            return new Failure("correction_not_pending", $"correction request {correction.Id} is {correction.Status} already");
        }
        if (request.Accept)
        {
            if (old.Status == "superseded")
            {
                return new Failure("record_superseded", $"record {old.Id} was corrected already by record {old.SupersededById}");
            }
            var activity = (await VolunteerStore.ActivityAsync(work, request.CommunityId, old.ActivityId, ct))!;
            var added = await VolunteerStore.AddRecordAsync(work, caller, request.CommunityId, activity, old.VolunteerId,
                correction.StartsAt ?? Clock.AsUtc(old.StartsAt), correction.EndsAt ?? Clock.AsUtc(old.EndsAt), old.Source,
                null, null, old.Id, correction.Id, ct);
            if (!added.Succeeded)
            {
                return added.Failure!;
            }
            long? reversal = null;
            if (old.PostedSeq is { } seq)
            {
                var reason = $"更正志愿服务记录 #{old.Id.ToString(CultureInfo.InvariantCulture)}（改为 #{added.Value.ToString(CultureInfo.InvariantCulture)}）：{request.Reason.Trim()}";
                var reversed = LedgerOutcomes.From(await ledger.ReverseAsync(work, request.CommunityId, seq, reason.Length > 500 ? reason[..500] : reason,
                    caller.Actor, LedgerKeys.Derived("service-record-reversal", old.Id), ct));
                if (!reversed.Succeeded)
                {
                    return reversed.Failure!;
                }
                reversal = reversed.Value!.Transaction!.Seq;
            }
            await work.ExecuteAsync(Supersede, new { newId = added.Value, reversalSeq = reversal, recordId = old.Id, communityId = request.CommunityId }, ct);
            await work.ExecuteAsync(SetNewRecord, new { newId = added.Value, correctionId = correction.Id }, ct);
            if (old.Status == "certified")
            {
                // The old record was certified and paid: the new one takes its place at once, certified and posted.
                var fresh = (await VolunteerStore.RecordAsync(work, request.CommunityId, added.Value, ct))!;
                var certified = await Certification.CertifyAsync(work, ledger, caller, fresh, activity,
                    await VolunteerStore.RuleAsync(work, request.CommunityId, activity, ct), ct);
                if (!certified.Succeeded)
                {
                    return certified.Failure!;
                }
            }
        }
        return (await CorrectionStore.FindAsync(work, request.CommunityId, correction.Id, ct))!;
    }
}

sealed class ListCorrectionsHandler(DbDataSource db) : IRequestHandler<ListCorrections, Outcome<IReadOnlyList<CorrectionView>>>
{
    public async Task<Outcome<IReadOnlyList<CorrectionView>>> Handle(ListCorrections request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CorrectionView>(new CommandDefinition(CorrectionStore.Select
            + " WHERE community_id = @communityId AND (@status IS NULL OR status = @status) ORDER BY id DESC",
            new { communityId = request.CommunityId, status = request.Status }, cancellationToken: ct));
        return rows.Select(CorrectionStore.Utc).ToList();
    }
}
