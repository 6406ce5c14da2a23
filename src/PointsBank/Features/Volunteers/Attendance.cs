using System.Text.Json.Serialization;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Volunteers;

public static class AttendanceActions
{
    public const string CheckIn = "checkIn";
    public const string CheckOut = "checkOut";
}

/// <summary>What a scan did: who, in or out, when, and on check-out the record it made with its minutes.</summary>
public sealed record AttendanceResult(long ActivityId, long VolunteerId, string VolunteerNo, string Name, string Action, DateTime At,
    long? RecordId, int? ActualMinutes, int? CountedMinutes);

/// <summary>
/// 签到/签退. The organizer's scan page sends the volunteer's card token (the card alone is enough: an elderly
/// volunteer needs nothing else) or a resident id; a volunteer with a phone who scanned the activity's QR — which
/// names the activity, nobody — sends their own card token and PIN (the one PIN check). Refused: an activity not open,
/// a check-in outside the window (from 30 minutes before the start to the end), a second check-in, a check-out
/// without a check-in, and overlapping service (the volunteer is checked in elsewhere or already has service then).
/// A check-out writes the 志愿服务记录 for the time inside the activity's window.
/// </summary>
[CardHolder]
[Allow(Role.Organizer, Role.Committee)]
public sealed record RecordAttendance(
    [property: JsonIgnore] long CommunityId,
    [property: JsonIgnore] long ActivityId,
    string Action,
    [property: Secret] string? CardToken = null,
    long? ResidentId = null,
    [property: Secret] string? Pin = null) : IRequest<Outcome<AttendanceResult>>, IValidated, ICardPresented
{
    /// <summary>How early before its start an activity takes check-ins.</summary>
    public static readonly TimeSpan EarlyCheckIn = TimeSpan.FromMinutes(30);

    public IEnumerable<FieldError> Validate()
    {
        if (Action is not (AttendanceActions.CheckIn or AttendanceActions.CheckOut))
        {
            yield return new FieldError("action", "须为 checkIn（签到）或 checkOut（签退）", "must be checkIn or checkOut");
        }
        if (CardToken is null && ResidentId is null)
        {
            yield return new FieldError("cardToken", "请扫描志愿者的积分卡，或填写 residentId", "send the volunteer's cardToken or a residentId");
        }
        if (CardToken is not null && !CardSecrets.LooksLikeToken(CardToken))
        {
            yield return new FieldError("cardToken", "这不是积分卡的二维码", "is not a card token");
        }
    }
}

sealed class RecordAttendanceHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<RecordAttendance, Outcome<AttendanceResult>>
{
    private const string Find = """
        SELECT id AS Id, checked_in_at AS CheckedInAt, checked_out_at AS CheckedOutAt FROM volunteer_attendance
         WHERE activity_id = @activityId AND volunteer_id = @volunteerId
        """;

    private sealed record Row
{
    public long Id { get; init; }
    public DateTime CheckedInAt { get; init; }
    public DateTime? CheckedOutAt { get; init; }
}

    private const string Count = "SELECT COUNT(*) FROM volunteer_attendance WHERE activity_id = @activityId";

    private const string Insert = """
        INSERT INTO volunteer_attendance (community_id, activity_id, volunteer_id, checked_in_at, checked_in_by)
        VALUES (@communityId, @activityId, @volunteerId, @now, @actor)
        """;

    private const string CheckOut = """
        UPDATE volunteer_attendance SET checked_out_at = @now, checked_out_by = @actor WHERE id = @id AND checked_out_at IS NULL
        """;

    private const string Who = """
        SELECT v.volunteer_no AS VolunteerNo, r.full_name AS Name FROM volunteers v JOIN residents r ON r.id = v.resident_id WHERE v.id = @volunteerId
        """;

    private sealed record WhoRow(string VolunteerNo, string Name);

    public async Task<Outcome<AttendanceResult>> Handle(RecordAttendance request, CancellationToken ct)
    {
        if (await VolunteerStore.ActivityAsync(work, request.CommunityId, request.ActivityId, ct) is not { } activity)
        {
            return VolunteerStore.ActivityNotFound(request.CommunityId, request.ActivityId);
        }
        var caller = callers.Current;
        // The organizer's scan of the card, or the volunteer's own phone with the card and its PIN.
        var presented = await VolunteerStore.PresentedVolunteerAsync(work, caller, request.CommunityId, request.ResidentId, request.CardToken,
            request.Pin, ct);
        if (!presented.Succeeded)
        {
            return presented.Failure!;
        }
        var (volunteerId, actor) = presented.Value;
        var who = (await work.SingleOrDefaultAsync<WhoRow>(Who, new { volunteerId }, ct))!;
        var name = Communities.PersonalData.Visible(caller, request.CommunityId) ? who.Name : Communities.PersonalData.MaskName(who.Name);
        if (activity.Status != ActivityStatus.Open)
        {
            return new Failure("activity_not_open", $"activity {activity.Id} is {activity.Status}: check-in and check-out need an open activity");
        }
        var now = work.Now;
        var existing = await work.SingleOrDefaultAsync<Row>(Find, new { activityId = activity.Id, volunteerId }, ct);
        if (request.Action == AttendanceActions.CheckIn)
        {
            if (now < activity.StartsUtc - RecordAttendance.EarlyCheckIn || now >= activity.EndsUtc)
            {
                return new Failure("outside_activity_window",
                    $"check-in is open from 30 minutes before {activity.StartsUtc:yyyy-MM-dd HH:mm} to {activity.EndsUtc:yyyy-MM-dd HH:mm} UTC");
            }
            if (existing is not null)
            {
                return new Failure("already_checked_in", $"volunteer {who.VolunteerNo} checked in to activity {activity.Id} already");
            }
            if (activity.Capacity is { } capacity && await work.ScalarAsync<long>(Count, new { activityId = activity.Id }, ct) >= capacity)
            {
                return new Failure("activity_full", $"activity {activity.Id} takes {capacity} volunteers and has them");
            }
            var from = now < activity.StartsUtc ? activity.StartsUtc : now;
            if (await VolunteerStore.OverlapAsync(work, volunteerId, activity.Id, from, from.AddMinutes(1), null, ct) is { } overlap)
            {
                return overlap;
            }
            await work.ExecuteAsync(Insert, new { communityId = request.CommunityId, activityId = activity.Id, volunteerId, now, actor }, ct);
            return new AttendanceResult(activity.Id, volunteerId, who.VolunteerNo, name, request.Action, now, null, null, null);
        }
        if (existing is null)
        {
            return new Failure("not_checked_in", $"volunteer {who.VolunteerNo} has not checked in to activity {activity.Id}: check in first");
        }
        if (existing.CheckedOutAt is not null || await work.ExecuteAsync(CheckOut, new { id = existing.Id, now, actor }, ct) == 0)
        {
            return new Failure("already_checked_out", $"volunteer {who.VolunteerNo} checked out of activity {activity.Id} already");
        }
        var recorder = caller.Kind == CallerKind.User ? caller : Caller.Service(actor);
        var record = await VolunteerStore.AddRecordAsync(work, recorder, request.CommunityId, activity, volunteerId, Clock.AsUtc(existing.CheckedInAt), now,
            "attendance", existing.Id, null, null, null, ct);
        if (!record.Succeeded)
        {
            return record.Failure!;
        }
        var made = (await VolunteerStore.RecordAsync(work, request.CommunityId, record.Value, ct))!;
        return new AttendanceResult(activity.Id, volunteerId, who.VolunteerNo, name, request.Action, now, made.Id, made.ActualMinutes, made.CountedMinutes);
    }
}
