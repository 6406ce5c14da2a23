using PointsBank.Infrastructure;

namespace PointsBank.Features.Volunteers;

internal static class VolunteersEndpoints
{
    internal static RouteGroupBuilder MapVolunteers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Volunteer service");

        group.MapCommand<CreateActivity>("/activities", Reply.Created("/api/v1/communities/{communityId}/activities/{id}"))
            .WithSummary("发布志愿活动: title, content, place, startsAt, endsAt, a per-hour ruleCode, capacity?; open? opens check-in at once (organizer, committee)");
        group.MapQuery<ListActivities>("/activities").WithSummary("The community's volunteer activities, newest first (?status=planned|open|closed|certified)");
        group.MapQuery<GetActivity>("/activities/{activityId:long}").WithSummary("An activity with its attendance and service records");
        group.MapCommand<OpenActivity>("/activities/{activityId:long}/open").WithSummary("开始签到: a planned activity opens for check-in");
        group.MapCommand<RecordAttendance>("/activities/{activityId:long}/attendance")
            .WithSummary("签到/签退: {cardToken | residentId, action: checkIn|checkOut}; the organizer's scan, or the volunteer's own card + pin; a check-out writes the service record");
        group.MapCommand<CloseActivity>("/activities/{activityId:long}/close")
            .WithSummary("结束活动: no more check-ins; those still in are checked out at the end and their records written");
        group.MapCommand<CertifyActivity>("/activities/{activityId:long}/certify")
            .WithSummary("证明: certify a closed activity's records, posting each record's points once (key service-record-<id>), effective on the service date; never one's own record");
        group.MapCommand<SubmitHourClaim>("/activities/{activityId:long}/hour-claims")
            .WithSummary("补报时长: a volunteer without attendance claims time at the activity (card + pin, or staff); the organizer confirms or rejects");
        group.MapQuery<ListHourClaims>("/hour-claims").WithSummary("Hour claims, newest first (?status=submitted|confirmed|rejected)");
        group.MapCommand<ConfirmHourClaim>("/hour-claims/{claimId:long}/confirm").WithSummary("确认补报: the claim becomes a service record (source claim); never by the volunteer");
        group.MapCommand<RejectHourClaim>("/hour-claims/{claimId:long}/reject").WithSummary("Reject an hour claim with a reason; never by the volunteer");

        group.MapCommand<EnrollVolunteer>("/volunteers", Reply.Created("/api/v1/communities/{communityId}/volunteers/{residentId}/records"))
            .WithSummary("志愿者登记: a resident with their consent recorded (consentNote, consentedOn), volunteerNo?, userId? (a volunteer who is also staff)");
        group.MapQuery<ListVolunteers>("/volunteers").WithSummary("The volunteers with cumulative certified hours and star level");
        group.MapReport<GetVolunteerRecords>("/volunteers/{residentId:long}/records")
            .WithSummary("志愿服务记录清单: a volunteer's records with the national recording fields (JSON; ?format=csv); a list for checking, not a certificate");
        group.MapQuery<GetVolunteerSettings>("/volunteer-settings").WithSummary("The star-level thresholds in hours (default 100/300/600/1000/1500)");
        group.MapCommand<UpdateVolunteerSettings>("/volunteer-settings", method: HttpMethods.Put).WithSummary("Set the star-level thresholds {starHours: [...]} (committee)");
        group.MapQuery<GetCardVolunteering>("/accounts/{accountId:long}/volunteering")
            .WithSummary("The volunteers on an account with hours, star level and records (the card page's; a card reads its own)");
        group.MapReport<GetVolunteerHoursRanking>("/volunteer-hours/{month}")
            .WithSummary("志愿时长榜: certified hours per volunteer in the month (yyyy-MM), names masked (public); &format=csv");

        group.MapCommand<RequestCorrection>("/records/{recordId:long}/corrections")
            .WithSummary("申请更正: {reason, startsAt?, endsAt?}, by the volunteer's card + pin or by staff; the organizer decides");
        group.MapQuery<ListCorrections>("/corrections").WithSummary("Correction requests, newest first (?status=requested|accepted|rejected)");
        group.MapCommand<DecideCorrection>("/corrections/{correctionId:long}/decision")
            .WithSummary("更正决定 {accept, reason}: accepted → a new record supersedes the old (kept), points reversed and posted again; never on one's own record");
        return group;
    }
}
