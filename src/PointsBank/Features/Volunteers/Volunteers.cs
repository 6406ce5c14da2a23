using System.Data.Common;
using System.Globalization;
using System.Text.Json.Serialization;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Volunteers;

/// <summary>
/// 志愿者登记: a resident becomes a volunteer with their consent recorded (what they agreed to and the day; 《志愿服务
/// 记录办法》: personal data beyond the record needs consent), and a volunteer number (given, or <c>V</c> + the next
/// number). <see cref="UserId"/> links a volunteer who is also a staff user, so they cannot certify their own service.
/// </summary>
[Allow(Role.Committee, Role.Organizer)]
public sealed record EnrollVolunteer(
    [property: JsonIgnore] long CommunityId,
    long ResidentId,
    string ConsentNote,
    DateOnly ConsentedOn,
    string? VolunteerNo = null,
    long? UserId = null) : IRequest<Outcome<VolunteerView>>, IValidated, IResidentScoped
{
    public IEnumerable<FieldError> Validate() =>
        Check.Positive("residentId", ResidentId)
            .Concat(Check.Text("consentNote", ConsentNote, 500))
            .Concat(VolunteerNo is null ? [] : Check.Code("volunteerNo", VolunteerNo, 32))
            .Concat(UserId is { } u ? Check.Positive("userId", u) : []);
}

[Allow(Role.Committee, Role.Organizer)]
public sealed record ListVolunteers(long CommunityId) : IRequest<Outcome<IReadOnlyList<VolunteerView>>>, IQuery, ICommunityScoped;

/// <summary>
/// 志愿服务记录清单: a volunteer's records with the national recording fields, oldest first, for the committee to check
/// (JSON, or <c>?format=csv</c>). It is a list of records, not a certificate: the committee decides what it certifies.
/// </summary>
[Allow(Role.Committee, Role.Organizer)]
public sealed record GetVolunteerRecords(long CommunityId, long ResidentId) : IRequest<Outcome<VolunteerRecordsView>>, IQuery, IResidentScoped;

public sealed record VolunteerRecordsView(string CommunityName, VolunteerView Volunteer, IReadOnlyList<ServiceRecordView> Records,
    [property: JsonIgnore] string TimeZone = "") : ICsvReport
{
    /// <summary>The display names of the staff users who recorded or certified these records: actor → name (<c>user:organizer</c> → 周组织).</summary>
    public IReadOnlyDictionary<string, string> ActorNames { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The rule versions these records count by (their activities' rules), each once, in order: what the records page
    /// explains the hours by. Not part of the JSON or the CSV.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<(string Code, int Version)> RuleVersions { get; init; } = [];

    public CsvTable ToCsv() => new($"volunteer-records-{Volunteer.VolunteerNo}.csv",
        ["记录号", "志愿者编号", "志愿者", "活动名称", "服务日期", "服务地点", "服务内容", "开始时间", "结束时间", "实际时长（分钟）", "计入时长（小时）",
         "记录来源", "状态", "记录人", "证明人", "积分", "更正自记录号"],
        [
            .. Records.Select(r => (IReadOnlyList<string>)[CsvFiles.Number(r.Id), r.VolunteerNo, r.VolunteerName, r.ActivityTitle,
                r.ServiceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Place, r.Content, Local(r.StartsAt),
                Local(r.EndsAt), CsvFiles.Number(r.ActualMinutes), Hours.Of(r.CountedMinutes), VolunteerText.SourceZh(r.Source),
                VolunteerText.StatusZh(r.Status), r.RecordedBy, r.CertifiedBy ?? "", r.Points is { } p ? CsvFiles.Number(p) : "",
                r.SupersedesId is { } s ? CsvFiles.Number(s) : ""]),
            ["合计", Volunteer.VolunteerNo, Volunteer.Name, "", "", "", "已证明的记录", "", "", "", Volunteer.CumulativeHours, "", "", "", "", "", ""],
        ]);

    /// <summary>A record's start or end as the community's local time (its <see cref="TimeZone"/>), as the CSV shows it.</summary>
    private string Local(DateTime utc) => CommunityTime.Of(TimeZone, utc).Local(utc);
}

/// <summary>The star-level thresholds of a community (hours), 100/300/600/1000/1500 unless the committee set others.</summary>
public sealed record VolunteerSettingsView(IReadOnlyList<int> StarHours);

[Allow(Role.Committee, Role.Organizer)]
public sealed record GetVolunteerSettings(long CommunityId) : IRequest<Outcome<VolunteerSettingsView>>, IQuery, ICommunityScoped;

[Allow(Role.Committee)]
public sealed record UpdateVolunteerSettings([property: JsonIgnore] long CommunityId, IReadOnlyList<int> StarHours)
    : IRequest<Outcome<VolunteerSettingsView>>, IValidated, ICommunityScoped
{
    public IEnumerable<FieldError> Validate() => StarLevels.Validate(StarHours);
}

/// <summary>What a card page shows about volunteering: each volunteer on the card's account with hours, star level and records.</summary>
public sealed record CardVolunteering(IReadOnlyList<VolunteerRecordsView> Volunteers, IReadOnlyList<CardActivity> Activities,
    IReadOnlyList<CardHourClaim> HourClaims, IReadOnlyList<CardCorrection> Corrections);

/// <summary>A recent activity (open, closed or certified, started in the last 60 days) a volunteer may claim hours for.</summary>
public sealed record CardActivity(long Id, string Title, string Place, DateTime StartsAt, DateTime EndsAt, string Status);

/// <summary>An hour claim of one of the card's volunteers, with the activity's title and its status.</summary>
public sealed record CardHourClaim(long Id, long ActivityId, string ActivityTitle, long ResidentId, DateTime StartsAt, DateTime EndsAt, string Note,
    string Status, string? DecisionReason);

/// <summary>A correction request on a record of one of the card's volunteers, with its status.</summary>
public sealed record CardCorrection(long Id, long RecordId, long ResidentId, string Reason, DateTime? StartsAt, DateTime? EndsAt, string Status,
    string? DecisionReason);

/// <summary>The volunteers behind a card's account (its household's), for the resident's card page.</summary>
[CardHolder]
[Allow(Role.Committee, Role.Organizer)]
public sealed record GetCardVolunteering(long CommunityId, long AccountId) : IRequest<Outcome<CardVolunteering>>, IQuery, IAccountScoped;

/// <summary>One line of the month's volunteer-hours ranking.</summary>
public sealed record VolunteerHoursLine(int Rank, long VolunteerId, string VolunteerNo, string Name, long Minutes, string Hours, int Records, int StarLevel);

/// <summary>The month's board; <see cref="CommunityName"/> heads the public page, as on the points honour board.</summary>
public sealed record VolunteerHoursRanking(string Month, IReadOnlyList<VolunteerHoursLine> Lines, string CommunityName) : ICsvReport
{
    public CsvTable ToCsv() => new($"volunteer-hours-{Month}.csv", ["名次", "志愿者编号", "志愿者", "本月时长（小时）", "记录数", "星级"],
        [.. Lines.Select(l => (IReadOnlyList<string>)[l.Rank.ToString(CultureInfo.InvariantCulture), l.VolunteerNo, l.Name, l.Hours,
            l.Records.ToString(CultureInfo.InvariantCulture), StarLevels.NameZh(l.StarLevel)])]);
}

/// <summary>
/// 志愿时长榜: the month's certified hours per volunteer (records by their service date in the community's time zone;
/// superseded records left out), ties sharing a rank. Names masked: it is shown to everyone (public).
/// </summary>
[PublicAccess]
public sealed record GetVolunteerHoursRanking(long CommunityId, string Month) : IRequest<Outcome<VolunteerHoursRanking>>, IQuery, ICommunityScoped, IValidated
{
    public IEnumerable<FieldError> Validate() =>
        DateOnly.TryParseExact(Month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? [] : [new FieldError("month", "月份格式为 yyyy-MM", "must be yyyy-MM")];
}

internal static class VolunteerText
{
    public static string SourceZh(string source) => source == "claim" ? "申报确认" : "签到签退";

    public static string StatusZh(string status) => status switch
    {
        "certified" => "已证明",
        "superseded" => "已更正（作废）",
        _ => "待证明",
    };
}

sealed class EnrollVolunteerHandler(UnitOfWork work, CallerContext callers)
    : IRequestHandler<EnrollVolunteer, Outcome<VolunteerView>>, IRequestHandler<UpdateVolunteerSettings, Outcome<VolunteerSettingsView>>
{
    private const string Resident = "SELECT COUNT(*) FROM residents WHERE id = @residentId AND community_id = @communityId AND is_active = 1";
    private const string Existing = "SELECT COUNT(*) FROM volunteers WHERE community_id = @communityId AND (resident_id = @residentId OR volunteer_no = @volunteerNo)";
    private const string NextNumber = "SELECT COUNT(*) + 1 FROM volunteers WHERE community_id = @communityId";
    private const string User = "SELECT COUNT(*) FROM users WHERE id = @userId";

    private const string Insert = """
        INSERT INTO volunteers (community_id, resident_id, volunteer_no, user_id, consent_note, consented_on, enrolled_at, enrolled_by)
        VALUES (@communityId, @residentId, @volunteerNo, @userId, @consentNote, @consentedOn, @now, @actor)
        """;

    private const string UpdateSettings = "UPDATE volunteer_settings SET star_hours = @stars, updated_at = @now, updated_by = @actor WHERE community_id = @communityId";
    private const string InsertSettings = "INSERT INTO volunteer_settings (community_id, star_hours, updated_at, updated_by) VALUES (@communityId, @stars, @now, @actor)";

    public async Task<Outcome<VolunteerView>> Handle(EnrollVolunteer request, CancellationToken ct)
    {
        var args = new { communityId = request.CommunityId, residentId = request.ResidentId, userId = request.UserId };
        if (await work.ScalarAsync<long>(Resident, args, ct) == 0)
        {
            return new Failure("resident_not_found", $"community {request.CommunityId} has no active resident {request.ResidentId}");
        }
        if (request.UserId is not null && await work.ScalarAsync<long>(User, args, ct) == 0)
        {
            return new Failure("user_not_found", $"there is no user {request.UserId}");
        }
        var number = request.VolunteerNo?.Trim()
            ?? "V" + (await work.ScalarAsync<long>(NextNumber, args, ct)).ToString("D4", CultureInfo.InvariantCulture);
        if (await work.ScalarAsync<long>(Existing, new { communityId = request.CommunityId, residentId = request.ResidentId, volunteerNo = number }, ct) > 0)
        {
            return new Failure("volunteer_exists", $"resident {request.ResidentId} or number {number} is registered already");
        }
        var caller = callers.Current;
        await work.ExecuteAsync(Insert, new
        {
            communityId = request.CommunityId, residentId = request.ResidentId, volunteerNo = number, userId = request.UserId,
            consentNote = request.ConsentNote.Trim(), consentedOn = request.ConsentedOn, now = work.Now, actor = caller.Actor,
        }, ct);
        var row = await work.SingleOrDefaultAsync<VolunteerStore.VolunteerRow>(VolunteerStore.SelectVolunteerColumns
            + " WHERE v.community_id = @communityId AND v.resident_id = @residentId", args, ct);
        return row!.ToView(PersonalData.Visible(caller, request.CommunityId), await VolunteerStore.StarsAsync(work, request.CommunityId, ct));
    }

    public async Task<Outcome<VolunteerSettingsView>> Handle(UpdateVolunteerSettings request, CancellationToken ct)
    {
        var args = new { communityId = request.CommunityId, stars = StarLevels.Format(request.StarHours), now = work.Now, actor = callers.Current.Actor };
        if (await work.ExecuteAsync(UpdateSettings, args, ct) == 0)
        {
            await work.ExecuteAsync(InsertSettings, args, ct);
        }
        return new VolunteerSettingsView(request.StarHours);
    }
}

sealed class VolunteerQueries(DbDataSource db, CallerContext callers, TimeProvider clock)
    : IRequestHandler<ListVolunteers, Outcome<IReadOnlyList<VolunteerView>>>, IRequestHandler<GetVolunteerRecords, Outcome<VolunteerRecordsView>>,
      IRequestHandler<GetVolunteerSettings, Outcome<VolunteerSettingsView>>, IRequestHandler<GetCardVolunteering, Outcome<CardVolunteering>>,
      IRequestHandler<GetVolunteerHoursRanking, Outcome<VolunteerHoursRanking>>
{
    private const string CommunityName = "SELECT name AS Name, time_zone AS TimeZone FROM communities WHERE id = @communityId";

    private const string VolunteersOfAccount = """
        SELECT v.resident_id FROM accounts a
          JOIN residents r ON r.community_id = a.community_id
                          AND ((a.kind = 'household' AND r.household_id = a.household_id) OR (a.kind = 'person' AND r.id = a.resident_id))
          JOIN volunteers v ON v.resident_id = r.id AND v.community_id = a.community_id
         WHERE a.id = @accountId AND a.community_id = @communityId
         ORDER BY v.id
        """;

    private const string MonthRecords = """
        SELECT s.volunteer_id AS VolunteerId, v.volunteer_no AS VolunteerNo, r.full_name AS Name, SUM(s.counted_minutes) AS Minutes,
               COUNT(*) AS Records
          FROM service_records s JOIN volunteers v ON v.id = s.volunteer_id JOIN residents r ON r.id = v.resident_id
         WHERE s.community_id = @communityId AND s.status = 'certified' AND s.service_date >= @from AND s.service_date < @to
         GROUP BY s.volunteer_id, v.volunteer_no, r.full_name
        """;

    private sealed record MonthRow
    {
        public long VolunteerId { get; init; }
        public string VolunteerNo { get; init; } = "";
        public string Name { get; init; } = "";
        public long Minutes { get; init; }
        public long Records { get; init; }
    }

    public async Task<Outcome<IReadOnlyList<VolunteerView>>> Handle(ListVolunteers request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var stars = await VolunteerStore.StarsAsync(connection, request.CommunityId, ct);
        var visible = PersonalData.Visible(callers.Current, request.CommunityId);
        var rows = await connection.QueryAsync<VolunteerStore.VolunteerRow>(new CommandDefinition(
            VolunteerStore.SelectVolunteerColumns + " WHERE v.community_id = @communityId ORDER BY v.volunteer_no", new { communityId = request.CommunityId },
            cancellationToken: ct));
        return rows.Select(r => r.ToView(visible, stars)).ToList();
    }

    public async Task<Outcome<VolunteerRecordsView>> Handle(GetVolunteerRecords request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await RecordsAsync(connection, request.CommunityId, request.ResidentId, PersonalData.Visible(callers.Current, request.CommunityId), ct)
            is { } view ? view : new Failure("not_a_volunteer", $"resident {request.ResidentId} is not a registered volunteer of community {request.CommunityId}");
    }

    public async Task<Outcome<VolunteerSettingsView>> Handle(GetVolunteerSettings request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return new VolunteerSettingsView(await VolunteerStore.StarsAsync(connection, request.CommunityId, ct));
    }

    public async Task<Outcome<CardVolunteering>> Handle(GetCardVolunteering request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var residents = await connection.QueryAsync<long>(new CommandDefinition(VolunteersOfAccount,
            new { communityId = request.CommunityId, accountId = request.AccountId }, cancellationToken: ct));
        var views = new List<VolunteerRecordsView>();
        foreach (var resident in residents)
        {
            views.Add((await RecordsAsync(connection, request.CommunityId, resident, personalData: false, ct))!);
        }
        if (views.Count == 0)
        {
            return new CardVolunteering(views, [], [], []);
        }
        var now = Clock.Now(clock);
        var activities = (await connection.QueryAsync<CardActivityRow>(new CommandDefinition(CardActivities,
            new { communityId = request.CommunityId, since = now.AddDays(-60), now }, cancellationToken: ct)))
            .Take(10).Select(a => new CardActivity(a.Id, a.Title, a.Place, Clock.AsUtc(a.StartsAt), Clock.AsUtc(a.EndsAt), a.Status)).ToList();
        var claims = (await connection.QueryAsync<CardClaimRow>(new CommandDefinition(CardClaims,
            new { communityId = request.CommunityId, accountId = request.AccountId }, cancellationToken: ct)))
            .Select(c => new CardHourClaim(c.Id, c.ActivityId, c.ActivityTitle, c.ResidentId, Clock.AsUtc(c.StartsAt), Clock.AsUtc(c.EndsAt), c.Note,
                c.Status, c.DecisionReason)).ToList();
        var corrections = (await connection.QueryAsync<CardCorrectionRow>(new CommandDefinition(CardCorrections,
            new { communityId = request.CommunityId, accountId = request.AccountId }, cancellationToken: ct)))
            .Select(c => new CardCorrection(c.Id, c.RecordId, c.ResidentId, c.Reason, c.StartsAt is { } s ? Clock.AsUtc(s) : null,
                c.EndsAt is { } e ? Clock.AsUtc(e) : null, c.Status, c.DecisionReason)).ToList();
        return new CardVolunteering(views, activities, claims, corrections);
    }

    private const string CardActivities = """
        SELECT a.id AS Id, a.title AS Title, a.place AS Place, a.starts_at AS StartsAt, a.ends_at AS EndsAt, a.status AS Status
          FROM volunteer_activities a
         WHERE a.community_id = @communityId AND a.status IN ('open', 'closed', 'certified') AND a.starts_at >= @since AND a.starts_at <= @now
         ORDER BY a.starts_at DESC, a.id DESC
        """;

    private const string CardClaims = """
        SELECT c.id AS Id, c.activity_id AS ActivityId, a.title AS ActivityTitle, v.resident_id AS ResidentId, c.starts_at AS StartsAt, c.ends_at AS EndsAt,
               c.note AS Note, c.status AS Status, c.decision_reason AS DecisionReason
          FROM volunteer_hour_claims c
          JOIN volunteer_activities a ON a.id = c.activity_id
          JOIN volunteers v ON v.id = c.volunteer_id
         WHERE c.community_id = @communityId AND c.volunteer_id IN (SELECT w.id FROM accounts o
                                  JOIN residents m ON m.community_id = o.community_id
                                                  AND ((o.kind = 'household' AND m.household_id = o.household_id) OR (o.kind = 'person' AND m.id = o.resident_id))
                                  JOIN volunteers w ON w.resident_id = m.id AND w.community_id = o.community_id
                                 WHERE o.id = @accountId AND o.community_id = @communityId)
         ORDER BY c.id DESC
        """;

    private const string CardCorrections = """
        SELECT k.id AS Id, k.record_id AS RecordId, v.resident_id AS ResidentId, k.reason AS Reason, k.starts_at AS StartsAt, k.ends_at AS EndsAt,
               k.status AS Status, k.decision_reason AS DecisionReason
          FROM service_record_corrections k
          JOIN service_records s ON s.id = k.record_id
          JOIN volunteers v ON v.id = s.volunteer_id
         WHERE k.community_id = @communityId AND s.volunteer_id IN (SELECT w.id FROM accounts o
                                  JOIN residents m ON m.community_id = o.community_id
                                                  AND ((o.kind = 'household' AND m.household_id = o.household_id) OR (o.kind = 'person' AND m.id = o.resident_id))
                                  JOIN volunteers w ON w.resident_id = m.id AND w.community_id = o.community_id
                                 WHERE o.id = @accountId AND o.community_id = @communityId)
         ORDER BY k.id DESC
        """;

    private sealed record CardActivityRow
    {
        public long Id { get; init; }
        public string Title { get; init; } = "";
        public string Place { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public string Status { get; init; } = "";
    }

    private sealed record CardClaimRow
    {
        public long Id { get; init; }
        public long ActivityId { get; init; }
        public string ActivityTitle { get; init; } = "";
        public long ResidentId { get; init; }
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public string Note { get; init; } = "";
        public string Status { get; init; } = "";
        public string? DecisionReason { get; init; }
    }

    private sealed record CardCorrectionRow
    {
        public long Id { get; init; }
        public long RecordId { get; init; }
        public long ResidentId { get; init; }
        public string Reason { get; init; } = "";
        public DateTime? StartsAt { get; init; }
        public DateTime? EndsAt { get; init; }
        public string Status { get; init; } = "";
        public string? DecisionReason { get; init; }
    }

    public async Task<Outcome<VolunteerHoursRanking>> Handle(GetVolunteerHoursRanking request, CancellationToken ct)
    {
        var from = DateOnly.ParseExact(request.Month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var connection = await db.OpenConnectionAsync(ct);
        var community = await connection.QuerySingleOrDefaultAsync<(string Name, string TimeZone)>(new CommandDefinition(CommunityName,
            new { communityId = request.CommunityId }, cancellationToken: ct));
        if (community.Name is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var stars = await VolunteerStore.StarsAsync(connection, request.CommunityId, ct);
        var rows = (await connection.QueryAsync<MonthRow>(new CommandDefinition(MonthRecords,
            new { communityId = request.CommunityId, from, to = from.AddMonths(1) }, cancellationToken: ct)))
            .OrderByDescending(r => r.Minutes).ThenBy(r => r.VolunteerId).ToList();
        var cumulative = (await connection.QueryAsync<VolunteerStore.VolunteerRow>(new CommandDefinition(
            VolunteerStore.SelectVolunteerColumns + " WHERE v.community_id = @communityId", new { communityId = request.CommunityId }, cancellationToken: ct)))
            .ToDictionary(v => v.Id, v => v.CumulativeMinutes);
        var lines = new List<VolunteerHoursLine>();
        for (var i = 0; i < rows.Count; i++)
        {
            var rank = i > 0 && rows[i].Minutes == rows[i - 1].Minutes ? lines[i - 1].Rank : i + 1;
            var r = rows[i];
            lines.Add(new VolunteerHoursLine(rank, r.VolunteerId, r.VolunteerNo, PersonalData.MaskName(r.Name), r.Minutes, Hours.Of(r.Minutes), (int)r.Records,
                StarLevels.Level(cumulative.GetValueOrDefault(r.VolunteerId), stars)));
        }
        return new VolunteerHoursRanking(request.Month, lines, community.Name);
    }

    private static async Task<VolunteerRecordsView?> RecordsAsync(DbConnection connection, long communityId, long residentId, bool personalData,
        CancellationToken ct)
    {
        var volunteer = await connection.QuerySingleOrDefaultAsync<VolunteerStore.VolunteerRow>(new CommandDefinition(
            VolunteerStore.SelectVolunteerColumns + " WHERE v.community_id = @communityId AND v.resident_id = @residentId",
            new { communityId, residentId }, cancellationToken: ct));
        if (volunteer is null)
        {
            return null;
        }
        var stars = await VolunteerStore.StarsAsync(connection, communityId, ct);
        var records = (await connection.QueryAsync<VolunteerStore.RecordRow>(new CommandDefinition(VolunteerStore.SelectRecordsOfVolunteer,
            new { communityId, volunteerId = volunteer.Id }, cancellationToken: ct))).ToList();
        var community = await connection.QuerySingleAsync<(string Name, string TimeZone)>(new CommandDefinition(CommunityName, new { communityId }, cancellationToken: ct));
        var views = records.Select(r => r.ToView(personalData)).ToList();
        return new VolunteerRecordsView(community.Name, volunteer.ToView(personalData, stars), views, community.TimeZone)
        {
            ActorNames = await ActorNames.LookupAsync(connection, views.SelectMany(r => new[] { r.RecordedBy, r.CertifiedBy }), ct),
            RuleVersions = records.Select(r => (r.RuleCode, r.RuleVersion)).Distinct().Order().ToList(),
        };
    }
}
