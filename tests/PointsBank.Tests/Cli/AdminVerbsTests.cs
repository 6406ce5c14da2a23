using Microsoft.Extensions.DependencyInjection;
using PointsBank.Cli;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Cli;

/// <summary>The admin verbs an operator runs on a fresh installation, through the same pipeline as the API.</summary>
[NonParallelizable]
public abstract class AdminVerbsTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateOwnAsync(provider);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    private async Task<(int Exit, string Out, string Error)> Run(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (await Verbs.RunAsync(_db.Services, ["admin", .. args]), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Test]
    public async Task Bootstrap_MakesTheFirstSystemAdmin_Once()
    {
        var first = await Run("bootstrap", "--username", "Wang", "--name", "王管理员", "--password", "a-long-password");
        var second = await Run("bootstrap", "--username", "li", "--name", "李", "--password", "a-long-password");

        var users = _db.Services.GetRequiredService<UserStore>();
        var wang = await users.FindAsync("wang", CancellationToken.None);
        Assert.That(first.Exit, Is.Zero, first.Error);
        Assert.That(wang, Is.Not.Null, "usernames are stored lower-case");
        Assert.That((await users.CallerAsync(wang!.Id, CancellationToken.None)).IsSystemAdmin, Is.True);
        Assert.That(second.Exit, Is.EqualTo(1));
        Assert.That(second.Error, Does.Contain("exists already"));
        Assert.That(await users.FindAsync("li", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CreateCommunity_MakesTheFirstVillage_AndRefusesItsCodeTwice()
    {
        var code = $"v{Guid.NewGuid():N}"[..10];

        var first = await Run("create-community", "--code", code, "--name", "东村");
        var again = await Run("create-community", "--code", code, "--name", "东村");
        var nameless = await Run("create-community", "--code", code + "x");

        await using var connection = await _db.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        var rows = (await Dapper.SqlMapper.QueryAsync<(long Id, string Name)>(connection, "SELECT id, name FROM communities WHERE code = @code", new { code })).ToList();
        Assert.That(first.Exit, Is.Zero, first.Error);
        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0].Name, Is.EqualTo("东村"));
        Assert.That(first.Out, Does.Contain($"id {rows[0].Id}").And.Contain("--role committee"));
        Assert.That(again.Exit, Is.EqualTo(1));
        Assert.That(again.Error, Does.Contain("community_exists"));
        Assert.That(nameless.Exit, Is.EqualTo(2));
        Assert.That(await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM communities WHERE code = @code", new { code = code + "x" }), Is.Zero);
    }

    [Test]
    public async Task Grant_IssueToken_RevokeToken_WorkEndToEnd()
    {
        var community = await _db.NewCommunityAsync();
        await Run("create-user", "--username", "li", "--name", "李委员", "--password", "a-long-password");

        var grant = await Run("grant", "--username", "li", "--community", $"{community.Id}", "--role", "committee");
        var issue = await Run("issue-token", "--username", "li", "--name", "村委电脑", "--days", "30");
        var token = issue.Out.Trim().Split('\n')[^1].Trim();
        var tokens = _db.Services.GetRequiredService<Tokens>();
        var userId = (await tokens.CallerAsync(token, CancellationToken.None)).Caller?.UserId;
        var tokenId = long.Parse(issue.Out.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        var revoke = await Run("revoke-token", "--id", $"{tokenId}");

        Assert.That(grant.Exit, Is.Zero, grant.Error);
        Assert.That(grant.Out, Does.Contain($"li is committee in community {community.Id}"));
        Assert.That(issue.Exit, Is.Zero, issue.Error);
        Assert.That(token, Does.StartWith("pbk_"));
        Assert.That(userId, Is.Not.Null);
        Assert.That(revoke.Exit, Is.Zero, revoke.Error);
        Assert.That((await tokens.CallerAsync(token, CancellationToken.None)).Caller, Is.Null);
    }

    [TestCase("grant", "--username", "nobody", "--community", "1", "--role", "committee")]
    [TestCase("grant", "--username", "li", "--community", "1", "--role", "mayor")]
    [TestCase("create-user", "--username", "x", "--name", "X", "--password", "short")]
    [TestCase("frobnicate")]
    [TestCase("grant", "--username")]
    public async Task BadInput_ExitsNonZero_WithAMessage(params string[] args)
    {
        var result = await Run(args);

        Assert.That(result.Exit, Is.Not.Zero);
        Assert.That(result.Error, Is.Not.Empty);
    }
}

[TestFixture]
[NonParallelizable]
public sealed class SqliteAdminVerbsTests() : AdminVerbsTests(DatabaseProvider.Sqlite);

[TestFixture]
[NonParallelizable]
public sealed class SqlServerAdminVerbsTests() : AdminVerbsTests(DatabaseProvider.SqlServer);
