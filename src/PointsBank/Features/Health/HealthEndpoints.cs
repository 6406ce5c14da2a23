using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Health;

public sealed record HealthStatus(string Status, string? Provider = null, int? Migrations = null);

internal static class HealthEndpoints
{
    private const string CountMigrations = "SELECT COUNT(*) FROM schema_migrations";

    internal static void MapHealth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health");

        group.MapGet("/live", () => TypedResults.Ok(new HealthStatus("live")))
            .PublicEndpoint()
            .WithSummary("The process is up");

        group.MapGet("/ready", async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> (DbDataSource db, SqlDialect dialect, HttpContext http,
            ILogger<HealthStatus> logger, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                var applied = await connection.ExecuteScalarAsync<int>(new CommandDefinition(CountMigrations, cancellationToken: ct));
                var known = Migrator.Scripts(dialect.Provider).Count;
                return applied == known
                    ? TypedResults.Ok(new HealthStatus("ready", dialect.Provider.ToString(), applied))
                    : Problems.Result(http, "service_unavailable", $"{applied} of {known} schema scripts are applied");
            }
            catch (DbException e)
            {
                logger.LogWarning(e, "Readiness check could not reach the database");
                return Problems.Result(http, "service_unavailable", "the database cannot be reached");
            }
        }).PublicEndpoint().WithSummary("The database answers and its schema is current");
    }
}
