using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using PointsBank.Data;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Identity;

/// <summary>
/// <see cref="ActorNames.LookupAsync(DbConnection, IEnumerable{string?}, CancellationToken)"/> names every staff user among
/// the actors with one statement (Dapper's list expansion), however many distinct users they are, up to
/// <see cref="ActorNames.UsersPerStatement"/> a statement; other actors and unknown users get no name.
/// </summary>
public abstract class ActorNamesTests(DatabaseProvider provider) : EngineFixture(provider)
{
    private TestDatabase _db = null!;

    [SetUp]
    public async Task Create() => _db = await TestDatabase.CreateAsync(Provider);

    [TearDown]
    public async Task Drop() => await _db.DisposeAsync();

    /// <summary>New users of their own (a shared SQL Server keeps earlier runs' users): username → display name.</summary>
    private async Task<IReadOnlyDictionary<string, string>> UsersAsync(int count)
    {
        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var username = $"names-{Guid.NewGuid():N}"[..20];
            var name = $"测试用户{i}（{username[6..10]}）";
            var created = await _db.Mediator.Send(new CreateUser(username, name, "a-long-enough-password"));
            Assert.That(created.Failure, Is.Null, created.Failure?.Detail);
            made[username] = name;
        }
        return made;
    }

    [Test]
    public async Task SeveralUsers_AreNamedByOneStatement_AndOtherActorsAreNot()
    {
        var users = await UsersAsync(3);
        var actors = users.Keys.Select(u => (string?)$"user:{u}")
            .Concat([$"user:{users.Keys.First()}", "user:nobody-here", "card:42", "cli:operator", null, "system"]).ToList();
        await using var inner = await _db.Db.OpenConnectionAsync();
        await using var connection = new CountingConnection(inner);

        var names = await ActorNames.LookupAsync(connection, actors, CancellationToken.None);

        Assert.That(names, Is.EqualTo(users.ToDictionary(u => $"user:{u.Key}", u => u.Value)));
        Assert.That(connection.Commands, Is.EqualTo(1), "one statement for all the users, not one a user");
    }

    [Test]
    public async Task InsideATransaction_TheSameNames_ByOneStatement()
    {
        var users = await UsersAsync(2);
        await using var inner = await _db.Db.OpenConnectionAsync();
        await using var connection = new CountingConnection(inner);
        await using var transaction = await inner.BeginTransactionAsync();

        var names = await ActorNames.LookupAsync(connection, transaction, users.Keys.Select(u => (string?)$"user:{u}"), CancellationToken.None);

        Assert.That(names, Is.EqualTo(users.ToDictionary(u => $"user:{u.Key}", u => u.Value)));
        Assert.That(connection.Commands, Is.EqualTo(1));
    }

    [Test]
    public async Task NoUserAmongTheActors_SendsNothing()
    {
        await using var inner = await _db.Db.OpenConnectionAsync();
        await using var connection = new CountingConnection(inner);

        var names = await ActorNames.LookupAsync(connection, ["card:7", null, "cli:operator"], CancellationToken.None);

        Assert.That(names, Is.Empty);
        Assert.That(connection.Commands, Is.Zero);
    }

    [Test]
    public async Task MoreUsersThanOneStatementTakes_AreNamedInChunks_EveryOneFound()
    {
        var users = await UsersAsync(3);
        var per = ActorNames.UsersPerStatement;
        // Unknown users around the real ones, so that one real user falls in each chunk, the last one at the very end.
        var actors = Enumerable.Range(0, per * 2 + 10).Select(i => (string?)$"user:unknown-{i}").ToList();
        var real = users.Keys.ToList();
        actors[0] = $"user:{real[0]}";
        actors[per] = $"user:{real[1]}";
        actors[^1] = $"user:{real[2]}";
        await using var inner = await _db.Db.OpenConnectionAsync();
        await using var connection = new CountingConnection(inner);

        var names = await ActorNames.LookupAsync(connection, actors, CancellationToken.None);

        Assert.That(names, Is.EqualTo(users.ToDictionary(u => $"user:{u.Key}", u => u.Value)));
        Assert.That(connection.Commands, Is.EqualTo(3), $"{actors.Count} users, {per} a statement");
    }

    /// <summary>An open connection that counts the commands made on it (each statement Dapper sends is one).</summary>
    private sealed class CountingConnection(DbConnection inner) : DbConnection
    {
        public int Commands { get; private set; }

        protected override DbCommand CreateDbCommand()
        {
            Commands++;
            return inner.CreateCommand();
        }

        [AllowNull]
        public override string ConnectionString { get => inner.ConnectionString; set => inner.ConnectionString = value; }
        public override string Database => inner.Database;
        public override string DataSource => inner.DataSource;
        public override string ServerVersion => inner.ServerVersion;
        public override ConnectionState State => inner.State;
        public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);
        public override void Close() => inner.Close();
        public override void Open() => inner.Open();
        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);
    }
}

[TestFixture]
public sealed class SqliteActorNamesTests() : ActorNamesTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerActorNamesTests() : ActorNamesTests(DatabaseProvider.SqlServer);
