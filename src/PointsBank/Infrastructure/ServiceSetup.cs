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
    /// host's sign-in cookies use it too). Tests and CLI verbs use exactly this. <paramref name="dataProtectionKeys"/>
    /// is the folder of the keys (<c>DataProtection:KeysPath</c>); without one, the framework's default place.
    /// </summary>
    public static IServiceCollection AddPointsBank(this IServiceCollection services, DatabaseOptions options, string? dataProtectionKeys = null)
    {
        // Cookie keys and sealed card tokens live with the data, so sign-ins survive a restart and a card can be printed
        // again; several instances behind one load balancer must share this folder.
        var protection = services.AddDataProtection().SetApplicationName("PointsBank");
        if (dataProtectionKeys is not null)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(dataProtectionKeys));
        }
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
        return services;
    }
}
