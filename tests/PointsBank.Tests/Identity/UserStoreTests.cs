using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Identity;

public abstract class UserStoreTests(DatabaseProvider provider)
{
    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    private TestDatabase _db = null!;

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateAsync(provider);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    [Test]
    public async Task ConcurrentWrongGuesses_CountEveryFailure_AndNoneClearsTheLock([Range(1, 4)] int trial)
    {
        // A username of its own: on a shared SQL Server the users of earlier runs are still there.
        var guessed = $"guessed-{Guid.NewGuid():N}"[..20];
        await _db.Mediator.Send(new CreateUser(guessed, "被猜密码的人", "the-right-password"));
        await using (var connection = await _db.Db.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE users SET failed_logins = 3 WHERE username = @guessed", new { guessed });
        }
        var users = _db.Services.GetRequiredService<UserStore>();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => users.CheckPasswordAsync(guessed, "wrong-password", CancellationToken.None))));
        var right = await users.CheckPasswordAsync(guessed, "the-right-password", CancellationToken.None);

        Assert.That(results.Select(r => r.Result), Is.All.Not.EqualTo(SignInResult.Succeeded));
        Assert.That(results.Select(r => r.Result), Has.Some.EqualTo(SignInResult.LockedOut));
        Assert.That(right.Result, Is.EqualTo(SignInResult.LockedOut), "the lock must hold whatever order the failures were written in");
    }

    [Test]
    public void LockedOutMessage_DoesNotEchoTheUsername()
    {
        var failure = PointsBank.Features.Auth.SignIn.Failure(SignInResult.LockedOut, "somebody");

        Assert.That(failure.Code, Is.EqualTo("account_locked"));
        Assert.That(failure.Detail, Does.Not.Contain("somebody"));
    }
}

[TestFixture]
public sealed class SqliteUserStoreTests() : UserStoreTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerUserStoreTests() : UserStoreTests(DatabaseProvider.SqlServer);
