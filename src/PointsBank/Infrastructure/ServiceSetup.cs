using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Ledger;

namespace PointsBank.Infrastructure;

public static class ServiceSetup
{
    public static DatabaseOptions ReadDatabaseOptions(IConfiguration configuration)
    {
        var options = new DatabaseOptions();
        configuration.GetSection("Database").Bind(options);
        options.ConnectionString = configuration.GetConnectionString("PointsBank") is { Length: > 0 } configured
            ? configured
            : DatabaseOptions.DefaultSqliteConnectionString;
        if (options.Provider == DatabaseProvider.SqlServer && options.ConnectionString == DatabaseOptions.DefaultSqliteConnectionString)
        {
            throw new InvalidOperationException("Database:Provider is SqlServer but ConnectionStrings:PointsBank is not set");
        }
        return options;
    }

    /// <summary>
    /// Everything but the web host: storage, ledger, mediator, data protection (it seals card tokens, and the web
    /// host's sign-in cookies use it too). Tests and CLI verbs use exactly this. The data-protection keys live in the
    /// database (<see cref="DatabaseXmlRepository"/>), so every instance on one database shares them;
    /// <paramref name="importKeysFrom"/> is an older installation's key folder (<c>DataProtection:KeysPath</c>), imported
    /// once at start-up by <see cref="DataProtectionKeys.PrepareAsync"/>.
    /// </summary>
    public static IServiceCollection AddPointsBank(this IServiceCollection services, DatabaseOptions options, string? importKeysFrom = null)
    {
        // Cookie keys and sealed card tokens live with the data, in the database: sign-ins survive a restart, a card can
        // be printed again, and several instances behind one load balancer read the same keys.
        services.AddDataProtection().SetApplicationName("PointsBank");
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>(sp =>
            new Microsoft.Extensions.Options.ConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o =>
                o.XmlRepository = new DatabaseXmlRepository(sp.GetRequiredService<DbDataSource>(), sp.GetRequiredService<TimeProvider>())));
        services.Configure<DataProtectionKeyOptions>(o => o.ImportFolder = importKeysFrom);
        services.AddHttpContextAccessor();
        services.AddSingleton<PointsBank.Features.Cards.CardLinks>();
        services.AddSingleton<PointsBank.Features.Cards.CardHolders>();
        services.AddSingleton(options);
        services.AddSingleton(_ => Database.CreateDataSource(options));
        services.AddSingleton(Database.CreateDialect(options.Provider));
        services.TryAddSingleton(TimeProvider.System);
        // Metrics (docs/operations.md): the ledger reports its postings to them.
        services.AddSingleton<PointsBankMetrics>();
        services.AddSingleton<ILedgerObserver>(sp => sp.GetRequiredService<PointsBankMetrics>());
        services.AddSingleton<PointsLedger>();
        services.AddScoped<UnitOfWork>();
        services.AddScoped<ReplayedAnswer>();
        services.AddSingleton<LedgerVerifier>();
        services.AddSingleton<Migrator>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<Tokens>();
        services.AddSingleton<AuditLog>();
        services.AddScoped<CallerContext>();
        PointsBank.Features.Claims.ClaimRecorders.AddClaimRecorders(services);
        PointsBank.Features.Volunteers.VolunteerRecorders.AddVolunteerRecorders(services);
        services.AddMediation(typeof(ServiceSetup).Assembly);
        // A community's own today, month and local times for the pages (its time zone read once per request).
        services.AddScoped<PointsBank.Features.Communities.CommunityClock>();
        return services;
    }
}
