using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Features.Cards;
using PointsBank.Features.Claims;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Features.Redemption;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Features.Claims;

/// <summary>
/// Residents on claims with their card (issue 7: "a resident … submits", "anyone in the community may object"), through
/// the real host and no sign-in: card token + PIN submit a claim for the card's own account only, under a rule residents
/// may claim, recorded as <c>card:&lt;id&gt;</c>; a wrong PIN is refused, counted, and creates nothing; a reviewer approves
/// it (the card is not a user, so dual control never sees it as the reviewer); another household's card objects to it
/// and the committee decides; the card withdraws its own account's claim and no other; a card never reviews or decides.
/// </summary>
public abstract class CardClaimsApiTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        _community = await _app.DemoCommunityAsync();
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private string Api(string path) => $"/api/v1/communities/{_community}{path}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string Yesterday => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A household account with one member (王秀英) and an active card with PIN 1234.</summary>
    private async Task<(long Account, long Member, long Card, string Token)> ResidentAsync()
    {
        var (account, token) = await RedemptionApiTests.NewResidentAsync(_app, _community, 1);
        var member = await _app.ScalarAsync<long>("SELECT r.id FROM residents r JOIN accounts a ON a.household_id = r.household_id WHERE a.id = @account", new { account });
        var card = await _app.ScalarAsync<long>("SELECT id FROM cards WHERE account_id = @account AND status = 'active'", new { account });
        return (account, member, card, token);
    }

    private Task<long> ClaimsOfAsync(long account) => _app.ScalarAsync<long>("SELECT COUNT(*) FROM claims WHERE account_id = @account", new { account });

    private Task<long> PinFailuresAsync(long card) => _app.ScalarAsync<long>("SELECT pin_failures FROM cards WHERE id = @card", new { card });

    private static object ClaimBody(long account, long member, string token, string pin, string rule = "mediation") =>
        new { accountId = account, memberId = member, ruleCode = rule, occurredOn = Yesterday, evidenceNote = "调解了东西两邻的宅基地纠纷，有协议书", cardToken = token, pin };

    private async Task<long> CardClaimAsync(HttpClient client, long account, long member, string token)
    {
        var submitted = await client.PostAsJsonAsync(Api("/claims"), ClaimBody(account, member, token, "1234"));
        var body = await Json(submitted);
        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        return body.GetProperty("id").GetInt64();
    }

    [Test]
    public async Task ACardWithTheRightPin_SubmitsForItsOwnAccount_AsTheCard_AndAReviewerApprovesIt()
    {
        var (account, member, card, token) = await ResidentAsync();
        using var anonymous = _app.CreateClient();

        var submitted = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(account, member, token, "1234"));
        var claim = await Json(submitted);

        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), claim.ToString());
        Assert.That(claim.GetProperty("status").GetString(), Is.EqualTo("submitted"));
        Assert.That(claim.GetProperty("submittedBy").GetString(), Is.EqualTo($"card:{card}"));
        Assert.That(claim.GetProperty("memberName").GetString(), Is.EqualTo("王*英"), "a card sees no full names");
        Assert.That(claim.ToString(), Does.Not.Contain(token).And.Not.Contain("1234"));
        var id = claim.GetProperty("id").GetInt64();
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM claims WHERE id = @id AND submitted_by_user IS NULL", new { id }), Is.EqualTo(1),
            "a card is not a user");
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE detail LIKE @t OR target LIKE @t", new { t = $"%{token}%" }), Is.Zero,
            "the token and PIN are secrets: never in the audit log");

        using var reviewer = await _app.ClientAsAsync("reviewer");
        var approved = await reviewer.PostAsJsonAsync(Api($"/claims/{id}/approve"), new { note = "经核实属实" });
        var view = await Json(approved);
        Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK), view.ToString());
        Assert.That((view.GetProperty("status").GetString(), view.GetProperty("reviewedBy").GetString()), Is.EqualTo(("noticed", "user:reviewer")));
    }

    [Test]
    public async Task AWrongPin_IsRefused_Counted_AndCreatesNoClaim()
    {
        var (account, member, card, token) = await ResidentAsync();
        using var anonymous = _app.CreateClient();

        var refused = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(account, member, token, "0000"));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Json(refused)).GetProperty("code").GetString(), Is.EqualTo("pin_wrong"));
        Assert.That(await PinFailuresAsync(card), Is.EqualTo(1), "the wrong PIN counts though the request rolled back");
        Assert.That(await ClaimsOfAsync(account), Is.Zero);

        var noPin = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(account, member, token, ""));
        Assert.That(noPin.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var unknownCard = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(account, member, CardSecrets.NewToken(), "1234"));
        Assert.That(unknownCard.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "an unknown token admits no one");
        var noCard = await anonymous.PostAsJsonAsync(Api("/claims"), new { accountId = account, memberId = member, ruleCode = "mediation", occurredOn = Yesterday, evidenceNote = "没有卡" });
        Assert.That(noCard.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await ClaimsOfAsync(account), Is.Zero);

        Assert.That(await CardClaimAsync(anonymous, account, member, token), Is.GreaterThan(0));
        Assert.That(await PinFailuresAsync(card), Is.Zero, "a right PIN starts the count again");
    }

    [Test]
    public async Task AnotherAccountsCard_CannotSubmitForThisAccount_NorUnderARuleResidentsMayNotClaim()
    {
        var (account, member, _, _) = await ResidentAsync();
        var (_, _, otherCard, otherToken) = await ResidentAsync();
        using var anonymous = _app.CreateClient();

        var foreign = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(account, member, otherToken, "1234"));
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Json(foreign)).GetProperty("code").GetString(), Is.EqualTo("forbidden"));
        Assert.That(await ClaimsOfAsync(account), Is.Zero);
        Assert.That(await PinFailuresAsync(otherCard), Is.Zero);

        var (own, ownMember, _, ownToken) = await ResidentAsync();
        var staffOnly = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(own, ownMember, ownToken, "1234", rule: "security_patrol"));
        Assert.That(staffOnly.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Json(staffOnly)).GetProperty("code").GetString(), Is.EqualTo("rule_not_recordable"));
        var stranger = await anonymous.PostAsJsonAsync(Api("/claims"), ClaimBody(own, member, ownToken, "1234"));
        Assert.That((await Json(stranger)).GetProperty("code").GetString(), Is.EqualTo("resident_not_found"), "the member belongs to the account");
        Assert.That(await ClaimsOfAsync(own), Is.Zero);
    }

    [Test]
    public async Task ACardHolder_ObjectsToAnotherHouseholdsNotice_AsTheCard_AndTheCommitteeSustainsIt()
    {
        var (account, member, _, token) = await ResidentAsync();
        var (neighbourAccount, _, neighbourCard, neighbourToken) = await ResidentAsync();
        using var anonymous = _app.CreateClient();
        var id = await CardClaimAsync(anonymous, account, member, token);
        using var reviewer = await _app.ClientAsAsync("reviewer");
        Assert.That((await reviewer.PostAsJsonAsync(Api($"/claims/{id}/approve"), new { })).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var wrong = await anonymous.PostAsJsonAsync(Api($"/claims/{id}/objections"), new { reason = "没有这回事", cardToken = neighbourToken, pin = "9999" });
        Assert.That((await Json(wrong)).GetProperty("code").GetString(), Is.EqualTo("pin_wrong"));
        Assert.That(await PinFailuresAsync(neighbourCard), Is.EqualTo(1));
        Assert.That(await _app.ScalarAsync<long>("SELECT COUNT(*) FROM claim_objections WHERE claim_id = @id", new { id }), Is.Zero);

        var objected = await anonymous.PostAsJsonAsync(Api($"/claims/{id}/objections"), new { reason = "那天两家并没有和解", cardToken = neighbourToken, pin = "1234" });
        var objection = await Json(objected);
        Assert.That(objected.StatusCode, Is.EqualTo(HttpStatusCode.OK), objection.ToString());
        Assert.That(objection.GetProperty("byActor").GetString(), Is.EqualTo($"card:{neighbourCard}"));
        var objectionId = objection.GetProperty("id").GetInt64();
        var notice = (await anonymous.GetFromJsonAsync<JsonElement>(Api("/notices"))).EnumerateArray().Single(n => n.GetProperty("claimId").GetInt64() == id);
        Assert.That(notice.GetProperty("objectionPending").GetBoolean(), Is.True);

        // A card decides nothing: over HTTP it is no one signed in, and through the pipeline a card holder is refused.
        var withCard = await anonymous.PostAsJsonAsync(Api($"/objections/{objectionId}/decision"), new { sustain = false, reason = "自己驳回", cardToken = token, pin = "1234" });
        Assert.That(withCard.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a decision takes no card: the body has no such field");
        var byCard = await anonymous.PostAsJsonAsync(Api($"/objections/{objectionId}/decision"), new { sustain = false, reason = "自己驳回" });
        Assert.That(byCard.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAs(Caller.CardHolder(new CardGrant(neighbourCard, _community, neighbourAccount)),
            new DecideObjection(_community, objectionId, false, "卡来驳回")));

        using var committee = await _app.ClientAsAsync("committee");
        var decided = await committee.PostAsJsonAsync(Api($"/objections/{objectionId}/decision"), new { sustain = true, reason = "经走访核实，异议属实" });
        Assert.That(decided.StatusCode, Is.EqualTo(HttpStatusCode.OK), await decided.Content.ReadAsStringAsync());
        var stopped = (await committee.GetFromJsonAsync<JsonElement>(Api("/claims?status=objected"))).EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == id);
        Assert.That(stopped.GetProperty("objections")[0].GetProperty("decision").GetString(), Is.EqualTo("sustained"));
    }

    [Test]
    public async Task TheCardHolder_WithdrawsTheirOwnAccountsClaim_AnotherCardCannot()
    {
        var (account, member, card, token) = await ResidentAsync();
        var (_, _, otherCard, otherToken) = await ResidentAsync();
        using var anonymous = _app.CreateClient();
        var id = await CardClaimAsync(anonymous, account, member, token);

        var foreign = await anonymous.PostAsJsonAsync(Api($"/claims/{id}/withdraw"), new { reason = "替别人撤回", cardToken = otherToken, pin = "1234" });
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var wrong = await anonymous.PostAsJsonAsync(Api($"/claims/{id}/withdraw"), new { reason = "撤回", cardToken = token, pin = "1111" });
        Assert.That((await Json(wrong)).GetProperty("code").GetString(), Is.EqualTo("pin_wrong"));
        Assert.That(await PinFailuresAsync(card), Is.EqualTo(1));
        Assert.That(await PinFailuresAsync(otherCard), Is.Zero);
        Assert.That(await _app.ScalarAsync<string>("SELECT status FROM claims WHERE id = @id", new { id }), Is.EqualTo("submitted"));

        var withdrawn = await anonymous.PostAsJsonAsync(Api($"/claims/{id}/withdraw"), new { reason = "记错了日子，先撤回", cardToken = token, pin = "1234" });
        var view = await Json(withdrawn);
        Assert.That(withdrawn.StatusCode, Is.EqualTo(HttpStatusCode.OK), view.ToString());
        Assert.That((view.GetProperty("status").GetString(), view.GetProperty("withdrawnBy").GetString(), view.GetProperty("withdrawReason").GetString()),
            Is.EqualTo(("withdrawn", $"card:{card}", "记错了日子，先撤回")));
        var again = await anonymous.PostAsJsonAsync(Api($"/claims/{id}/withdraw"), new { reason = "再撤", cardToken = token, pin = "1234" });
        Assert.That((await Json(again)).GetProperty("code").GetString(), Is.EqualTo("claim_not_withdrawable"));
    }

    [Test]
    public async Task ACardHolderCaller_CannotApproveRejectOrDecide_NorActOnClaimsWithoutItsPin()
    {
        var (account, member, card, token) = await ResidentAsync();
        using var anonymous = _app.CreateClient();
        var id = await CardClaimAsync(anonymous, account, member, token);
        var holder = Caller.CardHolder(new CardGrant(card, _community, account));

        Assert.ThrowsAsync<ForbiddenException>(() => SendAs(holder, new ApproveClaim(_community, id, "自己批")));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAs(holder, new RejectClaim(_community, id, "自己驳")));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAs(holder, new ListClaims(_community)));
        Assert.That((await anonymous.PostAsJsonAsync(Api($"/claims/{id}/approve"), new { cardToken = token, pin = "1234" })).StatusCode,
            Is.EqualTo(HttpStatusCode.BadRequest), "an approval takes no card: the body has no such field");
        Assert.That((await anonymous.PostAsJsonAsync(Api($"/claims/{id}/approve"), new { note = "匿名批" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        // The card page's caller is the card's holder; the card alone (no token and PIN in the request) does nothing.
        var bare = await SendAs(holder, new SubmitClaim(_community, account, member, "mediation", null, DateOnly.Parse(Yesterday, System.Globalization.CultureInfo.InvariantCulture), "只有卡没有密码"));
        Assert.That(bare.Failure?.Code, Is.EqualTo("card_pin_required"));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAs(holder, new WithdrawClaim(_community, id, "只有卡")));
        Assert.That(await _app.ScalarAsync<string>("SELECT status FROM claims WHERE id = @id", new { id }), Is.EqualTo("submitted"));
        Assert.That(await ClaimsOfAsync(account), Is.EqualTo(1));
    }

    private async Task<T> SendAs<T>(Caller caller, IRequest<T> request)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = caller;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }
}

[TestFixture]
public sealed class SqliteCardClaimsApiTests() : CardClaimsApiTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerCardClaimsApiTests() : CardClaimsApiTests(DatabaseProvider.SqlServer);
