using System.Data.Common;
using System.Text.Json.Serialization;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Volunteers;

public sealed record HourClaimView
{
    public long Id { get; init; }
    public long ActivityId { get; init; }
    public long VolunteerId { get; init; }
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string Note { get; init; } = "";
    public string Status { get; init; } = "";
    public string SubmittedBy { get; init; } = "";
    public DateTime SubmittedAt { get; init; }
    public string? DecidedBy { get; init; }
    public DateTime? DecidedAt { get; init; }
    public string? DecisionReason { get; init; }
    public long? RecordId { get; init; }
}

/// <summary>
/// 补报时长: a volunteer who served without checking in (no attendance at this activity) claims the time, with a note.
/// With their card and PIN from the card's own account, or entered by staff. The organizer, never the volunteer,
/// confirms (a 志愿服务记录 marked <c>claim</c>) or rejects it.
/// </summary>
[CardHolder]
[Allow(Role.Organizer, Role.Committee)]
public sealed record SubmitHourClaim(
    [property: JsonIgnore] long CommunityId,
    [property: JsonIgnore] long ActivityId,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string Note,
    long? ResidentId = null,
    [property: Secret] string? CardToken = null,
    [property: Secret] string? Pin = null) : IRequest<Outcome<HourClaimView>>, IValidated, ICardPresented
{
    public IEnumerable<FieldError> Validate() =>
        Check.Text("note", Note, 500)
            .Concat(EndsAt <= StartsAt ? [new FieldError("endsAt", "结束时间须晚于开始时间", "must be after startsAt")] : [])
            .Concat(CardToken is null && ResidentId is null ? [new FieldError("residentId", "请用积分卡或填写 residentId", "send cardToken or residentId")] : [])
            .Concat(ClaimCards.Validate(CardToken, Pin));
}

/// <summary>确认补报: the organizer confirms a claim; it becomes a 志愿服务记录 (source <c>claim</c>), certified with the activity.</summary>
[Allow(Role.Organizer, Role.Committee)]
public sealed record ConfirmHourClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string? Note = null)
    : IRequest<Outcome<HourClaimView>>, IValidated, IApproval
{
    public IEnumerable<FieldError> Validate() => Check.Text("note", Note, 500, required: false);
}

[Allow(Role.Organizer, Role.Committee)]
public sealed record RejectHourClaim([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ClaimId, string Reason)
    : IRequest<Outcome<HourClaimView>>, IValidated, IApproval
{
    public IEnumerable<FieldError> Validate() => Check.Text("reason", Reason, 500);
}

[Allow(Role.Organizer, Role.Committee)]
public sealed record ListHourClaims(long CommunityId, string? Status = null) : IRequest<Outcome<IReadOnlyList<HourClaimView>>>, IQuery, ICommunityScoped;

internal static class HourClaimStore
{
    public const string Select = """
        SELECT id AS Id, activity_id AS ActivityId, volunteer_id AS VolunteerId, starts_at AS StartsAt, ends_at AS EndsAt, note AS Note, status AS Status,
               submitted_by AS SubmittedBy, submitted_at AS SubmittedAt, decided_by AS DecidedBy, decided_at AS DecidedAt,
               decision_reason AS DecisionReason, record_id AS RecordId
          FROM volunteer_hour_claims
        """;

    public static HourClaimView Utc(HourClaimView v) => v with
    {
        StartsAt = Clock.AsUtc(v.StartsAt), EndsAt = Clock.AsUtc(v.EndsAt), SubmittedAt = Clock.AsUtc(v.SubmittedAt),
        DecidedAt = v.DecidedAt is { } d ? Clock.AsUtc(d) : null,
    };

    public static async Task<HourClaimView?> FindAsync(UnitOfWork work, long communityId, long claimId, CancellationToken ct) =>
        await work.SingleOrDefaultAsync<HourClaimView>(Select + " WHERE id = @claimId AND community_id = @communityId", new { communityId, claimId }, ct)
            is { } found ? Utc(found) : null;

    public const string VolunteerUser = "SELECT v.user_id FROM volunteer_hour_claims c JOIN volunteers v ON v.id = c.volunteer_id WHERE c.id = @claimId AND c.community_id = @communityId";
}

sealed class HourClaimHandlers(UnitOfWork work, CallerContext callers)
    : IRequestHandler<SubmitHourClaim, Outcome<HourClaimView>>, IRequestHandler<ConfirmHourClaim, Outcome<HourClaimView>>,
      IRequestHandler<RejectHourClaim, Outcome<HourClaimView>>
{
    private const string HasAttendance = "SELECT COUNT(*) FROM volunteer_attendance WHERE activity_id = @activityId AND volunteer_id = @volunteerId";

    private const string Pending = "SELECT COUNT(*) FROM volunteer_hour_claims WHERE activity_id = @activityId AND volunteer_id = @volunteerId AND status = 'submitted'";

    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO volunteer_hour_claims (community_id, activity_id, volunteer_id, starts_at, ends_at, note, status, submitted_by_user, submitted_by, submitted_at)
            VALUES (@communityId, @activityId, @volunteerId, @startsAt, @endsAt, @note, 'submitted', @userId, @actor, @now) RETURNING id
            """,
        SqlServer: """
            INSERT INTO volunteer_hour_claims (community_id, activity_id, volunteer_id, starts_at, ends_at, note, status, submitted_by_user, submitted_by, submitted_at)
            VALUES (@communityId, @activityId, @volunteerId, @startsAt, @endsAt, @note, 'submitted', @userId, @actor, @now); SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string Decide = """
        UPDATE volunteer_hour_claims SET status = @status, decided_by_user = @userId, decided_by = @actor, decided_at = @now, decision_reason = @reason
         WHERE id = @claimId AND community_id = @communityId AND status = 'submitted'
        """;

    private const string SetRecord = "UPDATE volunteer_hour_claims SET record_id = @recordId WHERE id = @claimId AND community_id = @communityId";

    public async Task<Outcome<HourClaimView>> Handle(SubmitHourClaim request, CancellationToken ct)
    {
        if (await VolunteerStore.ActivityAsync(work, request.CommunityId, request.ActivityId, ct) is not { } activity)
        {
            return VolunteerStore.ActivityNotFound(request.CommunityId, request.ActivityId);
        }
        var caller = callers.Current;
        var presented = await VolunteerStore.PresentedVolunteerAsync(work, caller, request.CommunityId, request.ResidentId, request.CardToken,
            request.Pin, ct);
        if (!presented.Succeeded)
        {
            return presented.Failure!;
        }
        var (volunteerId, actor) = presented.Value;
        var args = new { activityId = activity.Id, volunteerId };
        if (await work.ScalarAsync<long>(HasAttendance, args, ct) > 0)
        {
            return new Failure("has_attendance", $"volunteer {volunteerId} checked in to activity {activity.Id}: the attendance makes the record, ask for a correction instead");
        }
        if (await work.ScalarAsync<long>(Pending, args, ct) > 0)
        {
            return new Failure("hour_claim_pending", $"volunteer {volunteerId} has a claim for activity {activity.Id} waiting for the organizer");
        }
        var (start, end) = (Clock.Truncate(request.StartsAt.UtcDateTime), Clock.Truncate(request.EndsAt.UtcDateTime));
        if (start < activity.StartsUtc || end > activity.EndsUtc || end > work.Now)
        {
            return new Failure("outside_activity_window", $"a claim covers time inside the activity's window ({activity.StartsUtc:yyyy-MM-dd HH:mm}–{activity.EndsUtc:HH:mm} UTC) that has passed");
        }
        if (await VolunteerStore.OverlapAsync(work, volunteerId, activity.Id, start, end, null, ct) is { } overlap)
        {
            return overlap;
        }
        var id = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId = request.CommunityId, activityId = activity.Id, volunteerId, startsAt = start, endsAt = end,
            note = request.Note.Trim(), userId = caller.Kind == CallerKind.User ? caller.UserId : null, actor, now = work.Now,
        }, ct);
        return (await HourClaimStore.FindAsync(work, request.CommunityId, id, ct))!;
    }

    public async Task<Outcome<HourClaimView>> Handle(ConfirmHourClaim request, CancellationToken ct)
    {
        var decided = await DecideAsync(request.CommunityId, request.ClaimId, "confirmed", request.Note, ct);
        if (!decided.Succeeded)
        {
            return decided;
        }
        var claim = decided.Value!;
        var activity = (await VolunteerStore.ActivityAsync(work, request.CommunityId, claim.ActivityId, ct))!;
        var record = await VolunteerStore.AddRecordAsync(work, callers.Current, request.CommunityId, activity, claim.VolunteerId, claim.StartsAt, claim.EndsAt,
            "claim", null, claim.Id, null, null, ct);
        if (!record.Succeeded)
        {
            return record.Failure!;
        }
        await work.ExecuteAsync(SetRecord, new { recordId = record.Value, claimId = claim.Id, communityId = request.CommunityId }, ct);
        return (await HourClaimStore.FindAsync(work, request.CommunityId, claim.Id, ct))!;
    }

    public Task<Outcome<HourClaimView>> Handle(RejectHourClaim request, CancellationToken ct) =>
        DecideAsync(request.CommunityId, request.ClaimId, "rejected", request.Reason, ct);

    private async Task<Outcome<HourClaimView>> DecideAsync(long communityId, long claimId, string status, string? reason, CancellationToken ct)
    {
        var caller = callers.Current;
        if (caller.UserId is { } user && await work.ScalarAsync<long?>(HourClaimStore.VolunteerUser, new { communityId, claimId }, ct) == user)
        {
            return new Failure("self_certification", $"{caller.Actor} claimed these hours as a volunteer: nobody confirms their own record");
        }
        var changed = await work.ExecuteAsync(Decide, new { status, userId = caller.UserId, actor = caller.Actor, now = work.Now, reason = reason?.Trim(), claimId, communityId }, ct);
        var claim = await HourClaimStore.FindAsync(work, communityId, claimId, ct);
        if (claim is null)
        {
            return new Failure("hour_claim_not_found", $"community {communityId} has no hour claim {claimId}");
        }
        return changed == 0 ? new Failure("hour_claim_not_pending", $"hour claim {claimId} is {claim.Status} already") : claim;
    }
}

sealed class ListHourClaimsHandler(DbDataSource db) : IRequestHandler<ListHourClaims, Outcome<IReadOnlyList<HourClaimView>>>
{
    public async Task<Outcome<IReadOnlyList<HourClaimView>>> Handle(ListHourClaims request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<HourClaimView>(new CommandDefinition(HourClaimStore.Select
            + " WHERE community_id = @communityId AND (@status IS NULL OR status = @status) ORDER BY id DESC",
            new { communityId = request.CommunityId, status = request.Status }, cancellationToken: ct));
        return rows.Select(HourClaimStore.Utc).ToList();
    }
}

/// <summary>
/// Who recorded what an approval acts on: the user who submitted an hour claim or asked for a correction (a card's
/// request has none). The volunteer's own user is refused in the handlers as well (self_certification).
/// </summary>
internal sealed class VolunteerRecorders(DbDataSource db)
    : IRecorderOf<ConfirmHourClaim>, IRecorderOf<RejectHourClaim>, IRecorderOf<DecideCorrection>
{
    private const string Submitter = "SELECT submitted_by_user FROM volunteer_hour_claims WHERE id = @id AND community_id = @communityId";
    private const string Requester = "SELECT requested_by_user FROM service_record_corrections WHERE id = @id AND community_id = @communityId";

    public Task<long?> RecorderAsync(ConfirmHourClaim request, CancellationToken ct) => ScalarAsync(Submitter, request.ClaimId, request.CommunityId, ct);

    public Task<long?> RecorderAsync(RejectHourClaim request, CancellationToken ct) => ScalarAsync(Submitter, request.ClaimId, request.CommunityId, ct);

    public Task<long?> RecorderAsync(DecideCorrection request, CancellationToken ct) => ScalarAsync(Requester, request.CorrectionId, request.CommunityId, ct);

    private async Task<long?> ScalarAsync(string sql, long id, long communityId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(sql, new { id, communityId }, cancellationToken: ct));
    }

    public static IServiceCollection AddVolunteerRecorders(IServiceCollection services) => services
        .AddScoped<IRecorderOf<ConfirmHourClaim>, VolunteerRecorders>()
        .AddScoped<IRecorderOf<RejectHourClaim>, VolunteerRecorders>()
        .AddScoped<IRecorderOf<DecideCorrection>, VolunteerRecorders>();
}
