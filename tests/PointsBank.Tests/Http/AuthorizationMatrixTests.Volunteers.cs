using PointsBank.Features.Communities;
using PointsBank.Features.Volunteers;

namespace PointsBank.Tests.Http;

/// <summary>Samples and data for the volunteer-service endpoints: fresh volunteers, activities, claims and records made at the command line.</summary>
public abstract partial class AuthorizationMatrixTests
{
    static AuthorizationMatrixTests()
    {
        foreach (var (key, sample) in VolunteerSamples)
        {
            Samples.Add(key, sample);
        }
    }

    private const string V = "/api/v1/communities/{communityId:long}";

    private static readonly Dictionary<string, Func<SampleContext, Task<SampleRequest>>> VolunteerSamples = new()
    {
        [$"POST {V}/activities"] = s => Task.FromResult(new SampleRequest($"{s.C}/activities", new
        {
            title = "矩阵活动", content = "打扫村道", place = "村委会", startsAt = DateTimeOffset.UtcNow.AddHours(1), endsAt = DateTimeOffset.UtcNow.AddHours(3),
            ruleCode = "volunteer_service",
        })),
        [$"GET {V}/activities"] = s => Task.FromResult(new SampleRequest($"{s.C}/activities")),
        [$"GET {V}/activities/{{activityId:long}}"] = async s => new SampleRequest($"{s.C}/activities/{await s.Test.NewActivityAsync(s.Community, open: true)}"),
        [$"POST {V}/activities/{{activityId:long}}/open"] = async s => new SampleRequest($"{s.C}/activities/{await s.Test.NewActivityAsync(s.Community, open: false)}/open"),
        [$"POST {V}/activities/{{activityId:long}}/attendance"] = async s => new SampleRequest(
            $"{s.C}/activities/{await s.Test.NewActivityAsync(s.Community, open: true)}/attendance",
            new { residentId = (await s.Test.NewVolunteerAsync(s.Community)).Resident, action = "checkIn" }),
        [$"POST {V}/activities/{{activityId:long}}/close"] = async s => new SampleRequest($"{s.C}/activities/{await s.Test.NewActivityAsync(s.Community, open: true)}/close"),
        [$"POST {V}/activities/{{activityId:long}}/certify"] = async s =>
        {
            var activity = await s.Test.NewActivityAsync(s.Community, open: true);
            await s.Test.Cli(new CloseActivity(s.Community.Id, activity));
            return new SampleRequest($"{s.C}/activities/{activity}/certify");
        },
        [$"POST {V}/activities/{{activityId:long}}/hour-claims"] = async s => new SampleRequest(
            $"{s.C}/activities/{await s.Test.NewActivityAsync(s.Community, open: true, past: true)}/hour-claims", new
            {
                startsAt = DateTimeOffset.UtcNow.AddHours(-3), endsAt = DateTimeOffset.UtcNow.AddHours(-2), note = "矩阵测试：忘了签到",
                residentId = (await s.Test.NewVolunteerAsync(s.Community)).Resident,
            }),
        [$"GET {V}/hour-claims"] = s => Task.FromResult(new SampleRequest($"{s.C}/hour-claims?status=submitted")),
        [$"POST {V}/hour-claims/{{claimId:long}}/confirm"] = async s => new SampleRequest($"{s.C}/hour-claims/{await s.Test.NewHourClaimAsync(s.Community)}/confirm", new { }),
        [$"POST {V}/hour-claims/{{claimId:long}}/reject"] = async s =>
            new SampleRequest($"{s.C}/hour-claims/{await s.Test.NewHourClaimAsync(s.Community)}/reject", new { reason = "矩阵测试：当天不在" }),
        [$"POST {V}/volunteers"] = async s => new SampleRequest($"{s.C}/volunteers",
            new { residentId = await s.Test.NewResidentAsync(s.Community), consentNote = "本人书面同意记录志愿服务信息", consentedOn = "2026-11-01" }),
        [$"GET {V}/volunteers"] = s => Task.FromResult(new SampleRequest($"{s.C}/volunteers")),
        [$"GET {V}/volunteers/{{residentId:long}}/records"] = async s =>
            new SampleRequest($"{s.C}/volunteers/{(await s.Test.NewVolunteerAsync(s.Community)).Resident}/records"),
        [$"GET {V}/volunteer-settings"] = s => Task.FromResult(new SampleRequest($"{s.C}/volunteer-settings")),
        [$"PUT {V}/volunteer-settings"] = s => Task.FromResult(new SampleRequest($"{s.C}/volunteer-settings", new { starHours = new[] { 100, 300, 600, 1000, 1500 } })),
        [$"GET {V}/accounts/{{accountId:long}}/volunteering"] = s => Task.FromResult(new SampleRequest($"{s.C}/accounts/{s.Community.AccountId}/volunteering")),
        [$"GET {V}/volunteer-hours/{{month}}"] = s => Task.FromResult(new SampleRequest($"{s.C}/volunteer-hours/2026-11")),
        [$"POST {V}/records/{{recordId:long}}/corrections"] = async s =>
            new SampleRequest($"{s.C}/records/{await s.Test.NewRecordAsync(s.Community)}/corrections", new { reason = "矩阵测试：结束时间记错了" }),
        [$"GET {V}/corrections"] = s => Task.FromResult(new SampleRequest($"{s.C}/corrections")),
        [$"POST {V}/corrections/{{correctionId:long}}/decision"] = async s =>
        {
            var correction = await s.Test.Cli(new RequestCorrection(s.Community.Id, await s.Test.NewRecordAsync(s.Community), "矩阵测试：时间记错"));
            return new SampleRequest($"{s.C}/corrections/{correction.Value!.Id}/decision", new { accept = false, reason = "矩阵测试：核实无误" });
        },
    };

    /// <summary>A fresh resident of a household of the sample grid, registered as a volunteer.</summary>
    private async Task<(long Resident, long Volunteer)> NewVolunteerAsync(Community community)
    {
        var resident = await NewResidentAsync(community);
        var enrolled = await Cli(new EnrollVolunteer(community.Id, resident, "本人同意", new DateOnly(2026, 11, 1)));
        Assert.That(enrolled.Failure, Is.Null, enrolled.Failure?.Detail);
        return (resident, enrolled.Value!.Id);
    }

    /// <summary>A fresh activity under the default volunteer rule: running now (or, when past, from 4 hours ago to 1 hour ago).</summary>
    private async Task<long> NewActivityAsync(Community community, bool open, bool past = false)
    {
        var now = DateTimeOffset.UtcNow;
        var created = await Cli(new CreateActivity(community.Id, "矩阵活动", "清扫村道", "村委会", past ? now.AddHours(-4) : now.AddMinutes(-10),
            past ? now.AddHours(-1) : now.AddHours(2), "volunteer_service", Open: open));
        Assert.That(created.Failure, Is.Null, created.Failure?.Detail);
        return created.Value!.Id;
    }

    /// <summary>A submitted hour claim of a fresh volunteer at a past activity, entered at the command line.</summary>
    private async Task<long> NewHourClaimAsync(Community community)
    {
        var activity = await NewActivityAsync(community, open: true, past: true);
        var (resident, _) = await NewVolunteerAsync(community);
        var now = DateTimeOffset.UtcNow;
        var claim = await Cli(new SubmitHourClaim(community.Id, activity, now.AddHours(-3), now.AddHours(-2), "矩阵测试：忘了签到", resident));
        Assert.That(claim.Failure, Is.Null, claim.Failure?.Detail);
        return claim.Value!.Id;
    }

    /// <summary>A service record (from a confirmed hour claim).</summary>
    private async Task<long> NewRecordAsync(Community community)
    {
        var confirmed = await Cli(new ConfirmHourClaim(community.Id, await NewHourClaimAsync(community)));
        Assert.That(confirmed.Failure, Is.Null, confirmed.Failure?.Detail);
        return confirmed.Value!.RecordId!.Value;
    }
}
