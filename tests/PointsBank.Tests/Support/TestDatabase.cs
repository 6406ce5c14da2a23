using System.Data.Common;
using Dapper;
using MediatR;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Ledger;


namespace PointsBank.Tests.Support;

/// <summary>
/// A migrated database for one test: a fresh SQLite file, or the SQL Server named by POINTSBANK_SQLSERVER (where each
/// test owns its data by creating its own community).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string SqlServerVariable = "POINTSBANK_SQLSERVER";

    private readonly ServiceProvider _services;
    private readonly string? _file;
    private readonly DatabaseOptions _options;
    private readonly bool _owns;
    private long _communitiesBefore;
    private string? _scratch;

    private TestDatabase(ServiceProvider services, string? file, DatabaseOptions options, bool owns = true)
    {
        _services = services;
        _file = file;
        _options = options;
        _owns = owns;
    }

    public IServiceProvider Services => _services;
    public DbDataSource Db => _services.GetRequiredService<DbDataSource>();
    public SqlDialect Dialect => _services.GetRequiredService<SqlDialect>();
    public PointsLedger Ledger => _services.GetRequiredService<PointsLedger>();
    public LedgerVerifier Verifier => _services.GetRequiredService<LedgerVerifier>();
    public IMediator Mediator => _services.GetRequiredService<IMediator>();
    public FakeClock Clock => (FakeClock)_services.GetRequiredService<TimeProvider>();
    public string? File => _file;
    public DatabaseProvider Provider => _options.Provider;

    /// <summary>
    /// Verifies the ledger and returns what it found for one community only: on a shared SQL Server other tests'
    /// communities are in the same database.
    /// </summary>
    public async Task<CommunityVerification> VerifyCommunityAsync(long communityId) =>
        (await Verifier.VerifyAsync()).Communities.Single(c => c.CommunityId == communityId);

    /// <summary>
    /// Verifies the ledger and keeps the communities made since this database was handed to the test (all of them on
    /// a fresh SQLite file); on a shared SQL Server the earlier ones are other tests' (or earlier runs').
    /// </summary>
    public async Task<VerifyReport> VerifyOwnAsync() =>
        new((await Verifier.VerifyAsync()).Communities.Where(c => c.CommunityId > _communitiesBefore).ToList());

    public static readonly DateTimeOffset DefaultNow = new(2026, 11, 15, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Marks the calling fixture ignored, with the reason, when its engine is not available here.</summary>
    public static void RequireEngine(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.SqlServer && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(SqlServerVariable)))
        {
            Assert.Ignore($"SQL Server suite not run: set {SqlServerVariable} to a SQL Server connection string to run it");
        }
    }

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, Action<IServiceCollection>? configure = null)
    {
        RequireEngine(provider);
        DatabaseOptions options;
        string? file = null;
        if (provider == DatabaseProvider.Sqlite)
        {
            file = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"{Guid.NewGuid():N}.db");
            options = new DatabaseOptions { Provider = provider, ConnectionString = $"Data Source={file}" };
        }
        else
        {
            options = new DatabaseOptions { Provider = provider, ConnectionString = Environment.GetEnvironmentVariable(SqlServerVariable)! };
        }
        var database = new TestDatabase(await StartAsync(options, new FakeClock(DefaultNow), configure), file, options);
        database._communitiesBefore = Convert.ToInt64(await database.ScalarRawAsync("SELECT COALESCE(MAX(id), 0) FROM communities"));
        return database;
    }

    /// <summary>
    /// A database of the test's own on either engine: a fresh SQLite file as <see cref="CreateAsync"/> gives, or on SQL
    /// Server a scratch database (<see cref="SqlServerScratch"/>) created, migrated and dropped at dispose — for tests
    /// whose subject is the whole database (the verify verb's report, the first admin, the schema state).
    /// </summary>
    public static async Task<TestDatabase> CreateOwnAsync(DatabaseProvider provider, Action<IServiceCollection>? configure = null)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            return await CreateAsync(provider, configure);
        }
        RequireEngine(provider);
        var connectionString = await SqlServerScratch.CreateAsync();
        var options = new DatabaseOptions { Provider = provider, ConnectionString = connectionString };
        try
        {
            return new TestDatabase(await StartAsync(options, new FakeClock(DefaultNow), configure), null, options) { _scratch = connectionString };
        }
        catch
        {
            await SqlServerScratch.DropAsync(connectionString);
            throw;
        }
    }

    /// <summary>
    /// A second service instance on the same database — its own service provider, ledger, posting contexts, data
    /// protection and jobs, as a second app server behind a load balancer has — sharing this one's clock. Disposing it
    /// leaves the database to its first instance.
    /// </summary>
    public async Task<TestDatabase> AnotherInstanceAsync(Action<IServiceCollection>? configure = null) =>
        new(await StartAsync(_options, Clock, configure), _file, _options, owns: false) { _communitiesBefore = _communitiesBefore };

    private static async Task<ServiceProvider> StartAsync(DatabaseOptions options, FakeClock clock, Action<IServiceCollection>? configure)
    {
        var collection = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddPointsBank(options)
            .AddJobs(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        configure?.Invoke(collection);
        var services = collection.BuildServiceProvider();
        await services.GetRequiredService<Migrator>().MigrateAsync();
        await DataProtectionKeys.PrepareAsync(services, CancellationToken.None);
        // The root scope acts as an operator at the command line; tests that need a particular caller make a scope.
        services.GetRequiredService<CallerContext>().Current = Caller.Cli("test");
        return services;
    }

    public async Task<TestCommunity> NewCommunityAsync(string accountMode = "household", string penaltyPolicy = "cap",
        string timeZone = "Asia/Shanghai")
    {
        var code = $"t-{Guid.NewGuid():N}"[..30];
        var created = await Mediator.Send(new CreateCommunity(code, "测试村 " + code, timeZone, accountMode, penaltyPolicy));
        Assert.That(created.Failure, Is.Null);
        var id = created.Value!.CommunityId;
        return new TestCommunity(this, id,
            (await Ledger.SystemAccountIdAsync(id, SystemAccount.Issuance))!.Value,
            (await Ledger.SystemAccountIdAsync(id, SystemAccount.Redeemed))!.Value,
            (await Ledger.SystemAccountIdAsync(id, SystemAccount.Penalty))!.Value);
    }

    /// <summary>Runs raw SQL straight at the database, bypassing the app.</summary>
    public async Task<int> ExecuteRawAsync(string sql)
    {
        await using var connection = await Db.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>One value by plain SQL; pass text (Chinese above all) in <paramref name="args"/>, never as a literal: SQL Server reads a literal without N'' in the database's code page.</summary>
    public async Task<object?> ScalarRawAsync(string sql, object? args = null)
    {
        await using var connection = await Db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync(sql, args);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (!_owns)
        {
            return;
        }
        if (_file is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { _file, _file + "-wal", _file + "-shm" })
            {
                System.IO.File.Delete(path);
            }
        }
        else
        {
            SqlConnection.ClearAllPools();
            if (_scratch is not null)
            {
                await SqlServerScratch.DropAsync(_scratch);
            }
        }
    }
}

/// <summary>A community created for one test, with helpers to make member accounts and move points.</summary>
public sealed class TestCommunity(TestDatabase database, long id, long issuance, long redeemed, long penalty)
{
    private int _keys;

    public long Id => id;
    public long Issuance => issuance;
    public long Redeemed => redeemed;
    public long Penalty => penalty;

    public string NextKey() => $"k-{Interlocked.Increment(ref _keys)}";

    public async Task<(long AccountId, long MemberId)> NewHouseholdAccountAsync()
    {
        var household = await database.Mediator.Send(new AddHousehold(id, null, $"h-{Guid.NewGuid():N}"[..20]));
        var member = await database.Mediator.Send(new AddResident(id, household.Value!.HouseholdId, "测试居民"));
        var account = await database.Mediator.Send(new OpenAccount(id, "household", household.Value.HouseholdId));
        Assert.That(account.Failure, Is.Null);
        return (account.Value!.AccountId, member.Value!.ResidentId);
    }

    public LedgerEntry Award(long account, long points, string? key = null, long? member = null, string category = Categories.GoodDeed,
        int? minutes = null) =>
        new(id, TransactionKind.Award, category, key ?? NextKey(), $"奖励 {points} 分", "test:committee",
            [new PostingLine(issuance, -points), new PostingLine(account, points)], member, Minutes: minutes);

    public LedgerEntry Deduct(long account, long points, string? key = null) =>
        new(id, TransactionKind.Deduct, Categories.Deduction, key ?? NextKey(), $"扣 {points} 分", "test:inspector",
            [new PostingLine(account, -points), new PostingLine(penalty, points)]);

    public LedgerEntry Redeem(long account, long points, string? key = null) =>
        new(id, TransactionKind.Redeem, Categories.Redemption, key ?? NextKey(), $"兑换 {points} 分", "test:shop",
            [new PostingLine(account, -points), new PostingLine(redeemed, points)]);

    public async Task<LedgerTransaction> PostAsync(LedgerEntry entry)
    {
        var result = await database.Ledger.PostAsync(entry);
        Assert.That(result.Error, Is.Null, result.Detail);
        return result.Transaction!;
    }

    public async Task<AccountBalance> BalanceAsync(long account) => (await database.Ledger.GetBalanceAsync(id, account))!;
}
