using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Tests.Support;
using PointsBank.Data;

namespace PointsBank.Tests.Identity;

/// <summary>Tokens and passwords through the real host: revocation, expiry, lockout, and nothing stored readable.</summary>
public abstract class AuthenticationTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private AppFactory _app = null!;
    private long _community;
    private long _account;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(Provider);
        using var warmup = _app.CreateClient();
        await using var connection = await Db().OpenConnectionAsync();
        _community = await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
        _account = await connection.ExecuteScalarAsync<long>(
            "SELECT MIN(id) FROM accounts WHERE kind = 'household' AND community_id = @c", new { c = _community });
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private DbDataSource Db() => _app.Services.GetRequiredService<DbDataSource>();

    private string Balance => $"/api/v1/communities/{_community}/accounts/{_account}/balance";

    /// <summary>A fresh committee user of the demo community, created by its administrator through the API.</summary>
    private async Task<(string Username, string Password)> NewCommitteeUserAsync()
    {
        using var admin = await _app.ClientAsAsync("admin");
        var username = $"u{Guid.NewGuid():N}"[..20];
        var password = "correct-horse-" + Guid.NewGuid().ToString("N")[..8];
        var response = await admin.PostAsJsonAsync($"/api/v1/communities/{_community}/users",
            new { username, displayName = "测试委员", password, role = "committee" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (username, password);
    }

    private async Task<HttpResponseMessage> RequestTokenAsync(string username, string password)
    {
        using var anonymous = _app.CreateClient();
        return await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password, name = "test" });
    }

    private async Task<(long Id, string Token)> TokenAsync(string username, string password)
    {
        var response = await RequestTokenAsync(username, password);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("tokenId").GetInt64(), body.GetProperty("token").GetString()!);
    }

    private HttpClient With(string token)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Test]
    public async Task Token_Works_UntilRevoked_ThenIs401()
    {
        var (username, password) = await NewCommitteeUserAsync();
        var (id, token) = await TokenAsync(username, password);
        using var client = With(token);

        var before = await client.GetAsync(Balance);
        var revoke = await client.DeleteAsync($"/api/v1/me/tokens/{id}");
        var after = await client.GetAsync(Balance);

        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ExpiredToken_Is401()
    {
        var (username, password) = await NewCommitteeUserAsync();
        var (id, token) = await TokenAsync(username, password);
        await using (var connection = await Db().OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE api_tokens SET expires_at = '2020-01-01 00:00:00' WHERE id = @id", new { id });
        }
        using var client = With(token);

        var response = await client.GetAsync(Balance);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [TestCase("pbk_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")]
    [TestCase("not-a-token")]
    [TestCase("")]
    public async Task ForgedOrMalformedToken_Is401(string token)
    {
        using var client = _app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {token}");

        var response = await client.GetAsync(Balance);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task TokenOfATamperedSecret_Is401()
    {
        var (username, password) = await NewCommitteeUserAsync();
        var (_, token) = await TokenAsync(username, password);
        var tampered = token[..^1] + (token[^1] == 'a' ? 'b' : 'a');
        using var client = With(tampered);

        var response = await client.GetAsync(Balance);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task FiveWrongPasswords_LockTheAccount_EvenAgainstTheRightOne()
    {
        var (username, password) = await NewCommitteeUserAsync();

        var wrong = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            wrong.Add((await RequestTokenAsync(username, "wrong-password")).StatusCode);
        }
        var right = await RequestTokenAsync(username, password);

        Assert.That(wrong.Take(4), Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(wrong[4], Is.EqualTo((HttpStatusCode)423));
        Assert.That(right.StatusCode, Is.EqualTo((HttpStatusCode)423));
        Assert.That((await right.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString(), Is.EqualTo("account_locked"));
    }

    [Test]
    public async Task FourWrongPasswordsThenTheRightOne_ResetsTheCount()
    {
        var (username, password) = await NewCommitteeUserAsync();
        for (var i = 0; i < 4; i++)
        {
            await RequestTokenAsync(username, "wrong-password");
        }

        var right = await RequestTokenAsync(username, password);
        var oneMoreWrong = await RequestTokenAsync(username, "wrong-password");

        Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(oneMoreWrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task UnknownUser_GetsTheSameAnswerAsAWrongPassword()
    {
        var response = await RequestTokenAsync("nobody-here", "whatever-password");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString(), Is.EqualTo("invalid_credentials"));
    }

    [Test]
    public async Task NeitherTokensNorPasswords_AreStoredReadably()
    {
        var (username, password) = await NewCommitteeUserAsync();
        var (id, token) = await TokenAsync(username, password);
        var secret = token.Split('_')[2];

        await using var connection = await Db().OpenConnectionAsync();
        var passwordHash = await connection.ExecuteScalarAsync<string>("SELECT password_hash FROM users WHERE username = @username", new { username });
        var tokenRow = await connection.QuerySingleAsync<(string Prefix, string Hash)>("SELECT prefix, token_hash FROM api_tokens WHERE id = @id", new { id });
        var everyText = string.Join("\n", await connection.QueryAsync<string>(
            "SELECT target || detail FROM audit_log UNION ALL SELECT COALESCE(password_hash, '') FROM users UNION ALL SELECT token_hash || prefix || name FROM api_tokens"));

        Assert.That(passwordHash, Does.Not.Contain(password));
        Assert.That(passwordHash, Does.StartWith("AQAAAA"), "ASP.NET Core's PBKDF2 hash format");
        Assert.That(tokenRow.Hash, Is.EqualTo(PointsBank.Identity.Tokens.Hash(token)).And.Not.Contain(secret));
        Assert.That(everyText, Does.Not.Contain(password).And.Not.Contain(secret));
    }

    [Test]
    public async Task DeactivatedUser_LosesTokensAndSignIn_AtOnce_AndIsSeenInTheInstallationAudit()
    {
        var (username, password) = await NewCommitteeUserAsync();
        var (_, token) = await TokenAsync(username, password);
        using var client = With(token);
        using var systemAdmin = await _app.ClientAsAsync("admin");

        var deactivate = await systemAdmin.PostAsync($"/api/v1/users/{username}/deactivate", null);
        var withOldToken = await client.GetAsync(Balance);
        var newToken = await RequestTokenAsync(username, password);
        var audit = await systemAdmin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=CreateToken");
        var reactivate = await systemAdmin.PostAsync($"/api/v1/users/{username}/reactivate", null);
        var afterReactivation = await client.GetAsync(Balance);

        Assert.That(deactivate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(withOldToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(newToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(audit.GetProperty("items")[0].GetProperty("outcome").GetString(), Is.EqualTo("failed:invalid_credentials"),
            "sign-in attempts belong to no community; system admins see them");
        Assert.That(reactivate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(afterReactivation.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task DeactivatedRole_StopsWorkingAtOnce()
    {
        var (username, password) = await NewCommitteeUserAsync();
        var (_, token) = await TokenAsync(username, password);
        using var client = With(token);
        using var admin = await _app.ClientAsAsync("admin");

        var before = await client.GetAsync(Balance);
        var revoke = await admin.DeleteAsync($"/api/v1/communities/{_community}/roles/{username}/committee");
        var after = await client.GetAsync(Balance);

        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}

[TestFixture]
public sealed class SqliteAuthenticationTests() : AuthenticationTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerAuthenticationTests() : AuthenticationTests(DatabaseProvider.SqlServer);
