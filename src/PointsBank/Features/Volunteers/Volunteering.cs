using System.Globalization;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Volunteers;

/// <summary>Activity statuses: planned → open (check-in) → closed → certified.</summary>
public static class ActivityStatus
{
    public const string Planned = "planned";
    public const string Open = "open";
    public const string Closed = "closed";
    public const string Certified = "certified";
}

/// <summary>What one stretch of service counts: the service day (local), the actual minutes and the minutes counted.</summary>
public sealed record ServiceTime(DateOnly ServiceDate, int ActualMinutes, int CountedMinutes)
{
    /// <summary>
    /// The minutes from <paramref name="startUtc"/> to <paramref name="endUtc"/> (whole minutes, travel excluded by
    /// the caller: only time inside the activity's window is passed), counted by the rule's rounding table and capped
    /// by its hours per occurrence — the same arithmetic as <see cref="RuleEvaluator"/>'s per-hour formula, so the
    /// record's hours and the ledger entry's points agree. The service day is the start's day in the community's zone.
    /// </summary>
    public static ServiceTime Count(DateTime startUtc, DateTime endUtc, RuleFormula formula, TimeZoneInfo zone)
    {
        var actual = Math.Max(0, (int)Math.Floor((endUtc - startUtc).TotalMinutes));
        var counted = RuleEvaluator.CreditedMinutes(actual, formula.Rounding ?? RuleFormula.DefaultRounding);
        if (formula.MaxHours is { } cap && counted > cap * 60)
        {
            counted = cap * 60;
        }
        return new ServiceTime(Projections.LocalDate(startUtc, zone), actual, counted);
    }
}

/// <summary>Star levels (星级志愿者) by cumulative certified hours; thresholds per community, 100/300/600/1000/1500 h by default.</summary>
public static class StarLevels
{
    public static readonly IReadOnlyList<int> DefaultHours = [100, 300, 600, 1000, 1500];

    /// <summary>The number of thresholds reached: 0 (none) to 5. A threshold is reached when the hours equal it.</summary>
    public static int Level(long cumulativeMinutes, IReadOnlyList<int> thresholdHours) =>
        thresholdHours.Count(h => cumulativeMinutes >= h * 60L);

    public static string Format(IReadOnlyList<int> hours) => string.Join(",", hours.Select(h => h.ToString(CultureInfo.InvariantCulture)));

    public static IReadOnlyList<int> Parse(string? stored) =>
        string.IsNullOrWhiteSpace(stored) ? DefaultHours : [.. stored.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

    public static IEnumerable<FieldError> Validate(IReadOnlyList<int>? hours)
    {
        if (hours is null || hours.Count is < 1 or > 10 || hours.Any(h => h is < 1 or > 100_000)
            || hours.Zip(hours.Skip(1)).Any(p => p.Second <= p.First))
        {
            yield return new FieldError("starHours", "星级门槛须为 1 至 10 个递增的小时数", "must be 1 to 10 increasing numbers of hours");
        }
    }

    /// <summary>"三星志愿者" for level 3; empty for 0.</summary>
    public static string NameZh(int level) => level <= 0 ? "" : $"{"一二三四五六七八九十"[Math.Min(level, 10) - 1]}星志愿者";
}

/// <summary>Hours as a reader sees them: 90 minutes → "1.5".</summary>
public static class Hours
{
    public static string Of(long minutes) => (minutes / 60m).ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>An activity as the API returns it.</summary>
public sealed record ActivityView(long Id, string Title, string Content, string Place, DateTime StartsAt, DateTime EndsAt, int? Capacity,
    string RuleCode, int RuleVersion, string Status, string Organizer, DateTime CreatedAt, DateTime? ClosedAt, string? ClosedBy,
    DateTime? CertifiedAt, string? CertifiedBy, int CheckedIn, int CheckedOut);

/// <summary>One 志愿服务记录 with the national recording fields (活动, 日期, 地点, 内容, 起止时间, 时长, 记录人, 证明人) and its source.</summary>
public sealed record ServiceRecordView(long Id, long VolunteerId, string VolunteerNo, long ResidentId, string VolunteerName, long ActivityId,
    string ActivityTitle, DateOnly ServiceDate, string Place, string Content, DateTime StartsAt, DateTime EndsAt, int ActualMinutes,
    int CountedMinutes, string Source, string Status, string RecordedBy, DateTime RecordedAt, string? CertifiedBy, DateTime? CertifiedAt,
    long? Points, long? PostedSeq, long? SupersedesId, long? SupersededById, long? ReversalSeq);

/// <summary>A volunteer: who, number, consent, cumulative certified hours and star level.</summary>
public sealed record VolunteerView(long Id, long ResidentId, string Name, string VolunteerNo, long? UserId, DateOnly ConsentedOn, string ConsentNote,
    long CumulativeMinutes, string CumulativeHours, int StarLevel, string StarLevelZh, int? NextThresholdHours);

/// <summary>The SQL and lookups the volunteer requests share.</summary>
internal static class VolunteerStore
{
    public const string SelectActivity = """
        SELECT a.id AS Id, a.title AS Title, a.content AS Content, a.place AS Place, a.starts_at AS StartsAt, a.ends_at AS EndsAt,
               a.capacity AS Capacity, a.rule_code AS RuleCode, a.rule_version AS RuleVersion, a.status AS Status, a.organizer AS Organizer,
               a.organizer_user AS OrganizerUser, a.created_at AS CreatedAt, a.closed_at AS ClosedAt, a.closed_by AS ClosedBy,
               a.certified_at AS CertifiedAt, a.certified_by AS CertifiedBy,
               (SELECT COUNT(*) FROM volunteer_attendance t WHERE t.activity_id = a.id) AS CheckedIn,
               (SELECT COUNT(*) FROM volunteer_attendance t WHERE t.activity_id = a.id AND t.checked_out_at IS NOT NULL) AS CheckedOut
          FROM volunteer_activities a
         WHERE a.id = @activityId AND a.community_id = @communityId
        """;

    public const string SelectActivities = """
        SELECT a.id AS Id, a.title AS Title, a.content AS Content, a.place AS Place, a.starts_at AS StartsAt, a.ends_at AS EndsAt,
               a.capacity AS Capacity, a.rule_code AS RuleCode, a.rule_version AS RuleVersion, a.status AS Status, a.organizer AS Organizer,
               a.organizer_user AS OrganizerUser, a.created_at AS CreatedAt, a.closed_at AS ClosedAt, a.closed_by AS ClosedBy,
               a.certified_at AS CertifiedAt, a.certified_by AS CertifiedBy,
               (SELECT COUNT(*) FROM volunteer_attendance t WHERE t.activity_id = a.id) AS CheckedIn,
               (SELECT COUNT(*) FROM volunteer_attendance t WHERE t.activity_id = a.id AND t.checked_out_at IS NOT NULL) AS CheckedOut
          FROM volunteer_activities a
         WHERE a.community_id = @communityId AND (@status IS NULL OR a.status = @status)
         ORDER BY a.starts_at DESC, a.id DESC
        """;

    public sealed record ActivityRow
    {
        public long Id { get; init; }
        public string Title { get; init; } = "";
        public string Content { get; init; } = "";
        public string Place { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public int? Capacity { get; init; }
        public string RuleCode { get; init; } = "";
        public int RuleVersion { get; init; }
        public string Status { get; init; } = "";
        public string Organizer { get; init; } = "";
        public long? OrganizerUser { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? ClosedAt { get; init; }
        public string? ClosedBy { get; init; }
        public DateTime? CertifiedAt { get; init; }
        public string? CertifiedBy { get; init; }
        public long CheckedIn { get; init; }
        public long CheckedOut { get; init; }

        public DateTime StartsUtc => Clock.AsUtc(StartsAt);

        public DateTime EndsUtc => Clock.AsUtc(EndsAt);

        public ActivityView ToView() => new(Id, Title, Content, Place, StartsUtc, EndsUtc, Capacity, RuleCode, RuleVersion, Status, Organizer,
            Clock.AsUtc(CreatedAt), ClosedAt is { } c ? Clock.AsUtc(c) : null, ClosedBy, CertifiedAt is { } d ? Clock.AsUtc(d) : null, CertifiedBy,
            (int)CheckedIn, (int)CheckedOut);
    }

    public const string RecordColumns = """
        SELECT s.id AS Id, s.volunteer_id AS VolunteerId, v.volunteer_no AS VolunteerNo, v.resident_id AS ResidentId, r.full_name AS VolunteerName,
               s.activity_id AS ActivityId, a.title AS ActivityTitle, s.service_date AS ServiceDate, s.place AS Place, s.content AS Content,
               s.starts_at AS StartsAt, s.ends_at AS EndsAt, s.actual_minutes AS ActualMinutes, s.counted_minutes AS CountedMinutes,
               s.source AS Source, s.status AS Status, s.recorded_by AS RecordedBy, s.recorded_at AS RecordedAt, s.certified_by AS CertifiedBy,
               s.certified_at AS CertifiedAt, s.points AS Points, s.posted_seq AS PostedSeq, s.supersedes_id AS SupersedesId,
               s.superseded_by_id AS SupersededById, s.reversal_seq AS ReversalSeq, v.user_id AS VolunteerUser, s.community_id AS CommunityId,
               a.rule_code AS RuleCode, a.rule_version AS RuleVersion
          FROM service_records s
          JOIN volunteers v ON v.id = s.volunteer_id
          JOIN residents r ON r.id = v.resident_id
          JOIN volunteer_activities a ON a.id = s.activity_id
        """;

    public const string SelectRecord = RecordColumns + " WHERE s.id = @recordId AND s.community_id = @communityId";

    public const string SelectRecordsOfActivity = RecordColumns + " WHERE s.activity_id = @activityId AND s.community_id = @communityId ORDER BY s.id";

    public const string SelectRecordsOfVolunteer = RecordColumns + " WHERE s.volunteer_id = @volunteerId AND s.community_id = @communityId ORDER BY s.starts_at, s.id";

    public sealed record RecordRow
    {
        public long Id { get; init; }
        public long CommunityId { get; init; }
        public long VolunteerId { get; init; }
        public string VolunteerNo { get; init; } = "";
        public long ResidentId { get; init; }
        public string VolunteerName { get; init; } = "";
        public long ActivityId { get; init; }
        public string ActivityTitle { get; init; } = "";
        public DateOnly ServiceDate { get; init; }
        public string Place { get; init; } = "";
        public string Content { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public int ActualMinutes { get; init; }
        public int CountedMinutes { get; init; }
        public string Source { get; init; } = "";
        public string Status { get; init; } = "";
        public string RecordedBy { get; init; } = "";
        public DateTime RecordedAt { get; init; }
        public string? CertifiedBy { get; init; }
        public DateTime? CertifiedAt { get; init; }
        public long? Points { get; init; }
        public long? PostedSeq { get; init; }
        public long? SupersedesId { get; init; }
        public long? SupersededById { get; init; }
        public long? ReversalSeq { get; init; }
        public long? VolunteerUser { get; init; }
        // The rule (and its version) of the record's activity: what its hours count by.
        public string RuleCode { get; init; } = "";
        public int RuleVersion { get; init; }

        public ServiceRecordView ToView(bool personalData) => new(Id, VolunteerId, VolunteerNo, ResidentId,
            personalData ? VolunteerName : PersonalData.MaskName(VolunteerName), ActivityId, ActivityTitle, ServiceDate, Place, Content,
            Clock.AsUtc(StartsAt), Clock.AsUtc(EndsAt), ActualMinutes, CountedMinutes, Source, Status, RecordedBy, Clock.AsUtc(RecordedAt),
            CertifiedBy, CertifiedAt is { } c ? Clock.AsUtc(c) : null, Points, PostedSeq, SupersedesId, SupersededById, ReversalSeq);
    }

    public const string SelectVolunteerColumns = """
        SELECT v.id AS Id, v.resident_id AS ResidentId, r.full_name AS Name, v.volunteer_no AS VolunteerNo, v.user_id AS UserId,
               v.consented_on AS ConsentedOn, v.consent_note AS ConsentNote,
               COALESCE((SELECT SUM(s.counted_minutes) FROM service_records s WHERE s.volunteer_id = v.id AND s.status = 'certified'), 0) AS CumulativeMinutes
          FROM volunteers v JOIN residents r ON r.id = v.resident_id
        """;

    public sealed record VolunteerRow
    {
        public long Id { get; init; }
        public long ResidentId { get; init; }
        public string Name { get; init; } = "";
        public string VolunteerNo { get; init; } = "";
        public long? UserId { get; init; }
        public DateOnly ConsentedOn { get; init; }
        public string ConsentNote { get; init; } = "";
        public long CumulativeMinutes { get; init; }

        public VolunteerView ToView(bool personalData, IReadOnlyList<int> stars)
        {
            var level = StarLevels.Level(CumulativeMinutes, stars);
            return new VolunteerView(Id, ResidentId, personalData ? Name : PersonalData.MaskName(Name), VolunteerNo, UserId, ConsentedOn, ConsentNote,
                CumulativeMinutes, Hours.Of(CumulativeMinutes), level, StarLevels.NameZh(level), level < stars.Count ? stars[level] : null);
        }
    }

    private const string SelectStars = "SELECT star_hours FROM volunteer_settings WHERE community_id = @communityId";

    public static async Task<IReadOnlyList<int>> StarsAsync(System.Data.Common.DbConnection connection, long communityId, CancellationToken ct) =>
        StarLevels.Parse(await Dapper.SqlMapper.ExecuteScalarAsync<string?>(connection,
            new Dapper.CommandDefinition(SelectStars, new { communityId }, cancellationToken: ct)));

    public static async Task<IReadOnlyList<int>> StarsAsync(UnitOfWork work, long communityId, CancellationToken ct) =>
        StarLevels.Parse(await work.ScalarAsync<string?>(SelectStars, new { communityId }, ct));

    public static Task<ActivityRow?> ActivityAsync(UnitOfWork work, long communityId, long activityId, CancellationToken ct) =>
        work.SingleOrDefaultAsync<ActivityRow>(SelectActivity, new { communityId, activityId }, ct);

    public static Task<RecordRow?> RecordAsync(UnitOfWork work, long communityId, long recordId, CancellationToken ct) =>
        work.SingleOrDefaultAsync<RecordRow>(SelectRecord, new { communityId, recordId }, ct);

    public static Failure ActivityNotFound(long communityId, long activityId) =>
        new("activity_not_found", $"community {communityId} has no volunteer activity {activityId}");

    public static Failure RecordNotFound(long communityId, long recordId) =>
        new("service_record_not_found", $"community {communityId} has no service record {recordId}");

    private const string VolunteerOfResident = "SELECT id FROM volunteers WHERE community_id = @communityId AND resident_id = @residentId";

    // The volunteers among the residents behind a card's account (a household card covers the household's residents).
    private const string VolunteersOfAccount = """
        SELECT v.id FROM accounts a
          JOIN residents r ON r.community_id = a.community_id
                          AND ((a.kind = 'household' AND r.household_id = a.household_id) OR (a.kind = 'person' AND r.id = a.resident_id))
          JOIN volunteers v ON v.resident_id = r.id AND v.community_id = a.community_id
         WHERE a.id = @accountId AND a.community_id = @communityId
         ORDER BY v.id
        """;

    /// <summary>
    /// The volunteer a request acts for, and who acts: the card it presents (<see cref="Claims.ClaimCards.PresentedAsync"/>:
    /// the volunteer's own phone with the card and its PIN acts as the card, staff scanning it act as themselves), then
    /// the volunteer by resident or by that card's account (<see cref="VolunteerAsync"/>).
    /// </summary>
    public static async Task<Outcome<(long VolunteerId, string Actor)>> PresentedVolunteerAsync(UnitOfWork work, Caller caller, long communityId,
        long? residentId, string? cardToken, string? pin, CancellationToken ct)
    {
        var presented = await Claims.ClaimCards.PresentedAsync(work, caller, communityId, cardToken, pin, ct);
        if (!presented.Succeeded)
        {
            return presented.Failure!;
        }
        var volunteer = await VolunteerAsync(work, communityId, residentId, presented.Value!.AccountId, ct);
        if (!volunteer.Succeeded)
        {
            return volunteer.Failure!;
        }
        return (volunteer.Value, presented.Value.Actor);
    }

    /// <summary>
    /// The volunteer a scan or a request names: by resident, or by the card's account (its one volunteer; a household
    /// with several volunteers needs the resident as well). Null and the refusal when none fits.
    /// </summary>
    public static async Task<Outcome<long>> VolunteerAsync(UnitOfWork work, long communityId, long? residentId, long? cardAccountId,
        CancellationToken ct)
    {
        if (cardAccountId is { } account)
        {
            var ofCard = await work.QueryAsync<long>(VolunteersOfAccount, new { communityId, accountId = account }, ct);
            if (residentId is { } named)
            {
                var volunteer = await work.ScalarAsync<long?>(VolunteerOfResident, new { communityId, residentId = named }, ct);
                return volunteer is { } v && ofCard.Contains(v)
                    ? v : new Failure("not_a_volunteer", $"resident {named} is not a registered volunteer of this card's household");
            }
            return ofCard.Count switch
            {
                0 => new Failure("not_a_volunteer", "nobody on this card is a registered volunteer: register them with their consent first"),
                1 => ofCard[0],
                _ => new Failure("card_has_several_volunteers", "this household card has several volunteers: name the resident (residentId)"),
            };
        }
        if (residentId is { } resident && await work.ScalarAsync<long?>(VolunteerOfResident, new { communityId, residentId = resident }, ct) is { } found)
        {
            return found;
        }
        return new Failure("not_a_volunteer", $"resident {residentId} is not a registered volunteer: register them with their consent first");
    }

    // Live service (recorded or certified, not superseded) of the volunteer that overlaps [start, end), other than one record.
    private const string OverlappingRecord = """
        SELECT s.id FROM service_records s
         WHERE s.volunteer_id = @volunteerId AND s.status <> 'superseded' AND (@exceptId IS NULL OR s.id <> @exceptId)
           AND s.starts_at < @end AND s.ends_at > @start
        """;

    // Another activity the volunteer is checked in to and not yet out of.
    private const string OpenAttendanceElsewhere = """
        SELECT t.activity_id FROM volunteer_attendance t
         WHERE t.volunteer_id = @volunteerId AND t.checked_out_at IS NULL AND t.activity_id <> @activityId
        """;

    /// <summary>Refused when the volunteer already has service in [start, end) (any activity), or is checked in elsewhere.</summary>
    public static async Task<Failure?> OverlapAsync(UnitOfWork work, long volunteerId, long activityId, DateTime start, DateTime end, long? except,
        CancellationToken ct)
    {
        var clash = (await work.QueryAsync<long>(OverlappingRecord, new { volunteerId, start, end, exceptId = except }, ct)).FirstOrDefault();
        if (clash != 0)
        {
            return new Failure("service_overlap", $"volunteer {volunteerId} already has service record {clash} in this time: one person serves in one place at a time");
        }
        var elsewhere = (await work.QueryAsync<long>(OpenAttendanceElsewhere, new { volunteerId, activityId }, ct)).FirstOrDefault();
        return elsewhere != 0
            ? new Failure("service_overlap", $"volunteer {volunteerId} is checked in to activity {elsewhere} and has not checked out there")
            : null;
    }

    private static readonly DialectSql InsertRecord = new(
        Sqlite: """
            INSERT INTO service_records (community_id, volunteer_id, activity_id, service_date, place, content, starts_at, ends_at, actual_minutes,
                                         counted_minutes, source, attendance_id, claim_id, supersedes_id, correction_id, recorded_by_user,
                                         recorded_by, recorded_at, status)
            VALUES (@communityId, @volunteerId, @activityId, @serviceDate, @place, @content, @startsAt, @endsAt, @actualMinutes,
                    @countedMinutes, @source, @attendanceId, @claimId, @supersedesId, @correctionId, @userId, @actor, @now, 'recorded') RETURNING id
            """,
        SqlServer: """
            INSERT INTO service_records (community_id, volunteer_id, activity_id, service_date, place, content, starts_at, ends_at, actual_minutes,
                                         counted_minutes, source, attendance_id, claim_id, supersedes_id, correction_id, recorded_by_user,
                                         recorded_by, recorded_at, status)
            VALUES (@communityId, @volunteerId, @activityId, @serviceDate, @place, @content, @startsAt, @endsAt, @actualMinutes,
                    @countedMinutes, @source, @attendanceId, @claimId, @supersedesId, @correctionId, @userId, @actor, @now, 'recorded');
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    /// <summary>The rule version an activity counts by (its formula gives the rounding table and the cap).</summary>
    public static async Task<Outcome<RuleVersion>> RuleAsync(UnitOfWork work, long communityId, ActivityRow activity, CancellationToken ct) =>
        await Rules.RuleCatalog.VersionAsync(work, communityId, activity.RuleCode, activity.RuleVersion, ct) is { } rule
            ? rule
            : new Failure("rule_not_found", $"community {communityId} has no rule '{activity.RuleCode}' version {activity.RuleVersion}");

    /// <summary>
    /// Writes a new 志愿服务记录 for [start, end) of an activity (clipped to the activity's window: only service time
    /// counts), refusing overlap with the volunteer's other service. Its minutes are counted by the activity's rule.
    /// </summary>
    public static async Task<Outcome<long>> AddRecordAsync(UnitOfWork work, Caller recorder, long communityId, ActivityRow activity, long volunteerId,
        DateTime start, DateTime end, string source, long? attendanceId, long? claimId, long? supersedesId, long? correctionId, CancellationToken ct)
    {
        var (from, to) = (start < activity.StartsUtc ? activity.StartsUtc : start, end > activity.EndsUtc ? activity.EndsUtc : end);
        if (to <= from)
        {
            return new Failure("outside_activity_window",
                $"{start:yyyy-MM-dd HH:mm}–{end:HH:mm} UTC lies outside the activity's window {activity.StartsUtc:yyyy-MM-dd HH:mm}–{activity.EndsUtc:HH:mm} UTC");
        }
        if (await OverlapAsync(work, volunteerId, activity.Id, from, to, supersedesId, ct) is { } overlap)
        {
            return overlap;
        }
        var rule = await RuleAsync(work, communityId, activity, ct);
        if (!rule.Succeeded)
        {
            return rule.Failure!;
        }
        var time = ServiceTime.Count(from, to, rule.Value!.Rule.Formula, Communities.CommunityTime.ZoneOf(work));
        return await work.ScalarAsync<long>(work.Dialect.Pick(InsertRecord), new
        {
            communityId, volunteerId, activityId = activity.Id, serviceDate = time.ServiceDate, place = activity.Place, content = activity.Content,
            startsAt = from, endsAt = to, actualMinutes = time.ActualMinutes, countedMinutes = time.CountedMinutes, source, attendanceId, claimId,
            supersedesId, correctionId, userId = recorder.UserId, actor = recorder.Actor, now = work.Now,
        }, ct);
    }
}
