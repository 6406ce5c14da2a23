using System.Data.Common;
using System.Text.Json.Serialization;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Points;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Volunteers;

/// <summary>
/// 发布志愿活动: an organizer (or the committee) announces an activity — title, content, place, the window (UTC
/// instants) and capacity — under a per-hour volunteer-service rule of the catalogue (its current version is kept:
/// its rounding table, per-activity cap and rate count the activity's records). It starts <c>planned</c>; with
/// <see cref="Open"/> it opens for check-in at once.
/// </summary>
[Allow(Role.Organizer, Role.Committee)]
public sealed record CreateActivity(
    [property: JsonIgnore] long CommunityId,
    string Title,
    string Content,
    string Place,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string RuleCode,
    int? Capacity = null,
    bool Open = false,
    [property: JsonIgnore] string? IdempotencyKey = null) : IRequest<Outcome<ActivityView>>, IValidated, ICommunityScoped, IIdempotent
{
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate() =>
        Check.Text("title", Title, 100)
            .Concat(Check.Text("content", Content, 500, allowLineBreaks: true))
            .Concat(Check.Text("place", Place, 200))
            .Concat(Check.Code("ruleCode", RuleCode, 64))
            .Concat(Capacity is { } c ? Check.Range("capacity", c, 1, 10_000) : [])
            .Concat(EndsAt <= StartsAt ? [new FieldError("endsAt", "结束时间须晚于开始时间", "must be after startsAt")] : [])
            .Concat(EndsAt - StartsAt > TimeSpan.FromDays(2) ? [new FieldError("endsAt", "一次活动最长 48 小时", "an activity lasts at most 48 hours")] : []);
}

/// <summary>开始签到: a planned activity opens for check-in.</summary>
[Allow(Role.Organizer, Role.Committee)]
public sealed record OpenActivity([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ActivityId)
    : IRequest<Outcome<ActivityView>>, ICommunityScoped;

/// <summary>
/// 结束活动: no more check-ins; volunteers still checked in are checked out at the activity's end (their service is
/// recorded up to it), so every attendance has its record before certification.
/// </summary>
[Allow(Role.Organizer, Role.Committee)]
public sealed record CloseActivity([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ActivityId)
    : IRequest<Outcome<ActivityView>>, ICommunityScoped;

/// <summary>What a certification did: the records certified now (with their points), and those left for someone else.</summary>
public sealed record CertificationView(ActivityView Activity, IReadOnlyList<ServiceRecordView> Certified, IReadOnlyList<long> LeftOwnRecords);

/// <summary>
/// 证明 (谁记录谁证明): the organizer certifies a closed activity's records. Each record is claimed by a conditional UPDATE
/// (recorded → certified) and posts its points through the ledger under the key <c>service-record-&lt;id&gt;</c>, one
/// transaction per record, effective on the service date, by the activity's rule (the entry is explained by it) —
/// so running it twice, or two at once, posts each record once. A record of the certifier's own service is left for
/// someone else. Sending it again later certifies records added since (a confirmed claim, a correction).
/// </summary>
[Allow(Role.Organizer, Role.Committee)]
public sealed record CertifyActivity([property: JsonIgnore] long CommunityId, [property: JsonIgnore] long ActivityId)
    : IRequest<Outcome<CertificationView>>, ICommunityScoped;

[Allow(Role.Organizer, Role.Committee)]
public sealed record ListActivities(long CommunityId, string? Status = null)
    : IRequest<Outcome<IReadOnlyList<ActivityView>>>, IQuery, ICommunityScoped, IValidated
{
    public IEnumerable<FieldError> Validate() =>
        Status is null or ActivityStatus.Planned or ActivityStatus.Open or ActivityStatus.Closed or ActivityStatus.Certified
            ? [] : [new FieldError("status", "须为 planned、open、closed、certified 之一", "must be planned, open, closed or certified")];
}

/// <summary>An activity with its attendance and records.</summary>
public sealed record ActivityDetail(ActivityView Activity, IReadOnlyList<AttendanceView> Attendance, IReadOnlyList<ServiceRecordView> Records);

public sealed record AttendanceView
{
    public long VolunteerId { get; init; }
    public string VolunteerNo { get; init; } = "";
    public string Name { get; init; } = "";
    public DateTime CheckedInAt { get; init; }
    public DateTime? CheckedOutAt { get; init; }
}

[Allow(Role.Organizer, Role.Committee)]
public sealed record GetActivity(long CommunityId, long ActivityId) : IRequest<Outcome<ActivityDetail>>, IQuery, ICommunityScoped;

sealed class ActivityHandlers(UnitOfWork work, PointsLedger ledger, CallerContext callers)
    : IRequestHandler<CreateActivity, Outcome<ActivityView>>, IRequestHandler<OpenActivity, Outcome<ActivityView>>,
      IRequestHandler<CloseActivity, Outcome<ActivityView>>, IRequestHandler<CertifyActivity, Outcome<CertificationView>>
{
    private static readonly DialectSql Insert = new(
        Sqlite: """
            INSERT INTO volunteer_activities (community_id, title, content, place, starts_at, ends_at, capacity, rule_code, rule_version, status,
                                              organizer_user, organizer, created_at)
            VALUES (@communityId, @title, @content, @place, @startsAt, @endsAt, @capacity, @ruleCode, @ruleVersion, @status, @userId, @actor, @now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO volunteer_activities (community_id, title, content, place, starts_at, ends_at, capacity, rule_code, rule_version, status,
                                              organizer_user, organizer, created_at)
            VALUES (@communityId, @title, @content, @place, @startsAt, @endsAt, @capacity, @ruleCode, @ruleVersion, @status, @userId, @actor, @now);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    private const string MarkOpen = "UPDATE volunteer_activities SET status = 'open' WHERE id = @activityId AND community_id = @communityId AND status = 'planned'";

    private const string MarkClosed = """
        UPDATE volunteer_activities SET status = 'closed', closed_at = @now, closed_by = @actor
         WHERE id = @activityId AND community_id = @communityId AND status IN ('planned', 'open')
        """;

    private const string MarkCertified = """
        UPDATE volunteer_activities SET status = 'certified', certified_at = @now, certified_by = @actor
         WHERE id = @activityId AND community_id = @communityId AND status = 'closed'
        """;

    private const string StillIn = """
        SELECT id AS AttendanceId, volunteer_id AS VolunteerId, checked_in_at AS CheckedInAt FROM volunteer_attendance
         WHERE activity_id = @activityId AND checked_out_at IS NULL
        """;

    private sealed record OpenAttendance
{
    public long AttendanceId { get; init; }
    public long VolunteerId { get; init; }
    public DateTime CheckedInAt { get; init; }
}

    private const string CheckOutAtEnd = """
        UPDATE volunteer_attendance SET checked_out_at = @end, checked_out_by = @actor WHERE id = @attendanceId AND checked_out_at IS NULL
        """;

    private const string ToCertify = "SELECT id FROM service_records WHERE activity_id = @activityId AND community_id = @communityId AND status = 'recorded' ORDER BY id";

    public async Task<Outcome<ActivityView>> Handle(CreateActivity request, CancellationToken ct)
    {
        if (work.Community is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (await RuleCatalog.CurrentAsync(work, request.CommunityId, request.RuleCode, ct) is not { } rule)
        {
            return new Failure("rule_not_found", $"community {request.CommunityId} has no rule '{request.RuleCode}'");
        }
        if (rule.Rule.Formula.Kind != FormulaKind.PerHour)
        {
            return new Failure("rule_not_per_hour", $"'{rule.Code}' does not count hours: a volunteer activity needs a per-hour rule");
        }
        var caller = callers.Current;
        var id = await work.ScalarAsync<long>(work.Dialect.Pick(Insert), new
        {
            communityId = request.CommunityId, title = request.Title.Trim(), content = request.Content.Trim(), place = request.Place.Trim(),
            startsAt = Clock.Truncate(request.StartsAt.UtcDateTime), endsAt = Clock.Truncate(request.EndsAt.UtcDateTime), capacity = request.Capacity,
            ruleCode = rule.Code, ruleVersion = rule.Version, status = request.Open ? ActivityStatus.Open : ActivityStatus.Planned,
            userId = caller.UserId, actor = caller.Actor, now = work.Now,
        }, ct);
        return (await VolunteerStore.ActivityAsync(work, request.CommunityId, id, ct))!.ToView();
    }

    public async Task<Outcome<ActivityView>> Handle(OpenActivity request, CancellationToken ct) =>
        await MoveAsync(MarkOpen, request.CommunityId, request.ActivityId, "planned", ct);

    public async Task<Outcome<ActivityView>> Handle(CloseActivity request, CancellationToken ct)
    {
        if (await VolunteerStore.ActivityAsync(work, request.CommunityId, request.ActivityId, ct) is not { } activity)
        {
            return VolunteerStore.ActivityNotFound(request.CommunityId, request.ActivityId);
        }
        var caller = callers.Current;
        if (activity.Status == ActivityStatus.Open)
        {
            var end = work.Now < activity.EndsUtc ? work.Now : activity.EndsUtc;
            foreach (var open in await work.QueryAsync<OpenAttendance>(StillIn, new { activityId = activity.Id }, ct))
            {
                await work.ExecuteAsync(CheckOutAtEnd, new { end, actor = caller.Actor, attendanceId = open.AttendanceId }, ct);
                var added = await VolunteerStore.AddRecordAsync(work, caller, request.CommunityId, activity, open.VolunteerId,
                    Clock.AsUtc(open.CheckedInAt), end, "attendance", open.AttendanceId, null, null, null, ct);
                if (!added.Succeeded && added.Failure!.Code != "outside_activity_window")
                {
                    return added.Failure!;
                }
            }
        }
        return await MoveAsync(MarkClosed, request.CommunityId, request.ActivityId, "planned or open", ct);
    }

    public async Task<Outcome<CertificationView>> Handle(CertifyActivity request, CancellationToken ct)
    {
        if (await VolunteerStore.ActivityAsync(work, request.CommunityId, request.ActivityId, ct) is not { } activity)
        {
            return VolunteerStore.ActivityNotFound(request.CommunityId, request.ActivityId);
        }
        if (activity.Status is not (ActivityStatus.Closed or ActivityStatus.Certified))
        {
            return new Failure("activity_not_closed", $"activity {activity.Id} is {activity.Status}: close it before certifying its records");
        }
        var caller = callers.Current;
        var certified = new List<ServiceRecordView>();
        var leftOwn = new List<long>();
        Outcome<RuleVersion>? rule = null;
        foreach (var recordId in await work.QueryAsync<long>(ToCertify, new { communityId = request.CommunityId, activityId = activity.Id }, ct))
        {
            var record = (await VolunteerStore.RecordAsync(work, request.CommunityId, recordId, ct))!;
            rule ??= await VolunteerStore.RuleAsync(work, request.CommunityId, activity, ct);
            var done = await Certification.CertifyAsync(work, ledger, caller, record, activity, rule, ct);
            if (!done.Succeeded)
            {
                if (done.Failure!.Code == "self_certification")
                {
                    leftOwn.Add(recordId);
                    continue;
                }
                return done.Failure!;
            }
            if (done.Value)
            {
                certified.Add((await VolunteerStore.RecordAsync(work, request.CommunityId, recordId, ct))!.ToView(true));
            }
        }
        await work.ExecuteAsync(MarkCertified, new { communityId = request.CommunityId, activityId = activity.Id, now = work.Now, actor = caller.Actor }, ct);
        var view = (await VolunteerStore.ActivityAsync(work, request.CommunityId, activity.Id, ct))!.ToView();
        return new CertificationView(view, certified, leftOwn);
    }

    private async Task<Outcome<ActivityView>> MoveAsync(string sql, long communityId, long activityId, string from, CancellationToken ct)
    {
        var changed = await work.ExecuteAsync(sql, new { communityId, activityId, now = work.Now, actor = callers.Current.Actor }, ct);
        var activity = await VolunteerStore.ActivityAsync(work, communityId, activityId, ct);
        if (activity is null)
        {
            return VolunteerStore.ActivityNotFound(communityId, activityId);
        }
        return changed == 0
            ? new Failure("activity_status_conflict", $"activity {activityId} is {activity.Status}, not {from}")
            : activity.ToView();
    }
}

/// <summary>Certifying one record: the one place a service record posts points.</summary>
internal static class Certification
{
    private const string Claim = """
        UPDATE service_records SET status = 'certified', certified_by_user = @userId, certified_by = @actor, certified_at = @now
         WHERE id = @recordId AND community_id = @communityId AND status = 'recorded'
        """;

    private const string SetPosted = "UPDATE service_records SET points = @points, posted_seq = @seq WHERE id = @recordId AND community_id = @communityId";

    // The member account the volunteer's points go to: their own person account, else their household's.
    private const string AccountOfResident = """
        SELECT a.id FROM residents r
          JOIN accounts a ON a.community_id = r.community_id
                         AND ((a.kind = 'person' AND a.resident_id = r.id) OR (a.kind = 'household' AND a.household_id = r.household_id))
         WHERE r.id = @residentId AND r.community_id = @communityId
         ORDER BY CASE WHEN a.kind = 'person' THEN 0 ELSE 1 END, a.id
        """;

    /// <summary>Null when the caller may certify the record; the refusal when it is their own service.</summary>
    public static Failure? Own(Caller caller, VolunteerStore.RecordRow record) =>
        caller.UserId is { } user && record.VolunteerUser == user
            ? new Failure("self_certification", $"{caller.Actor} is volunteer {record.VolunteerNo} of record {record.Id}: nobody certifies their own service")
            : null;

    /// <summary>
    /// Certifies one <c>recorded</c> record and posts its points (true), or does nothing when it is certified already
    /// (false): the conditional UPDATE and the derived ledger key make a second run harmless. <paramref name="activity"/>
    /// is the record's activity and <paramref name="rule"/> its rule as <see cref="VolunteerStore.RuleAsync"/> gives it,
    /// read once by the caller for all the records it certifies.
    /// </summary>
    public static async Task<Outcome<bool>> CertifyAsync(UnitOfWork work, PointsLedger ledger, Caller caller, VolunteerStore.RecordRow record,
        VolunteerStore.ActivityRow activity, Outcome<RuleVersion> rule, CancellationToken ct)
    {
        if (Own(caller, record) is { } own)
        {
            return own;
        }
        var communityId = record.CommunityId;
        var claimed = await work.ExecuteAsync(Claim, new { recordId = record.Id, communityId, userId = caller.UserId, actor = caller.Actor, now = work.Now }, ct);
        if (claimed == 0)
        {
            return false;
        }
        if (!rule.Succeeded)
        {
            return rule.Failure!;
        }
        if ((await work.QueryAsync<long>(AccountOfResident, new { residentId = record.ResidentId, communityId }, ct)).FirstOrDefault() is not (> 0 and var account))
        {
            return new Failure("account_not_found", $"volunteer {record.VolunteerNo} has no points account: open one for their household first");
        }
        var note = $"志愿服务记录 #{record.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}：{activity.Title}";
        var entry = await ByRule.EntryAsync(work, ledger, caller, TransactionKind.Award, rule.Value!, account, new RuleFacts(Minutes: record.ActualMinutes),
            null, note, record.ResidentId, record.ServiceDate, LedgerKeys.Derived("service-record", record.Id), ct);
        if (!entry.Succeeded)
        {
            return entry.Failure!;
        }
        var points = entry.Value!.Postings.Max(p => p.Amount);
        long? seq = null;
        if (points > 0)
        {
            var posted = LedgerOutcomes.From(await ledger.PostAsync(work, entry.Value!, ct));
            if (!posted.Succeeded)
            {
                return posted.Failure!;
            }
            seq = posted.Value!.Transaction!.Seq;
        }
        await work.ExecuteAsync(SetPosted, new { points, seq, recordId = record.Id, communityId }, ct);
        return true;
    }
}

sealed class ActivityQueries(DbDataSource db, CallerContext callers)
    : IRequestHandler<ListActivities, Outcome<IReadOnlyList<ActivityView>>>, IRequestHandler<GetActivity, Outcome<ActivityDetail>>
{
    private const string SelectAttendance = """
        SELECT t.volunteer_id AS VolunteerId, v.volunteer_no AS VolunteerNo, r.full_name AS Name, t.checked_in_at AS CheckedInAt,
               t.checked_out_at AS CheckedOutAt
          FROM volunteer_attendance t JOIN volunteers v ON v.id = t.volunteer_id JOIN residents r ON r.id = v.resident_id
         WHERE t.activity_id = @activityId ORDER BY t.checked_in_at, t.id
        """;

    public async Task<Outcome<IReadOnlyList<ActivityView>>> Handle(ListActivities request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<VolunteerStore.ActivityRow>(new CommandDefinition(VolunteerStore.SelectActivities,
            new { communityId = request.CommunityId, status = request.Status }, cancellationToken: ct));
        return rows.Select(r => r.ToView()).ToList();
    }

    public async Task<Outcome<ActivityDetail>> Handle(GetActivity request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { communityId = request.CommunityId, activityId = request.ActivityId };
        var activity = await connection.QuerySingleOrDefaultAsync<VolunteerStore.ActivityRow>(new CommandDefinition(VolunteerStore.SelectActivity, args, cancellationToken: ct));
        if (activity is null)
        {
            return VolunteerStore.ActivityNotFound(request.CommunityId, request.ActivityId);
        }
        var visible = Communities.PersonalData.Visible(callers.Current, request.CommunityId);
        var attendance = (await connection.QueryAsync<AttendanceView>(new CommandDefinition(SelectAttendance, args, cancellationToken: ct)))
            .Select(a => a with
            {
                Name = visible ? a.Name : Communities.PersonalData.MaskName(a.Name),
                CheckedInAt = Clock.AsUtc(a.CheckedInAt), CheckedOutAt = a.CheckedOutAt is { } o ? Clock.AsUtc(o) : null,
            }).ToList();
        var records = (await connection.QueryAsync<VolunteerStore.RecordRow>(new CommandDefinition(VolunteerStore.SelectRecordsOfActivity, args, cancellationToken: ct)))
            .Select(r => r.ToView(visible)).ToList();
        return new ActivityDetail(activity.ToView(), attendance, records);
    }
}
