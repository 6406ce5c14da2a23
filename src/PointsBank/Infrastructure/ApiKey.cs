using System.Security.Cryptography;
using System.Text;

namespace PointsBank.Infrastructure;

/// <summary>
/// Until user accounts and tokens exist, every write endpoint needs the API key configured as
/// <c>Security:ApiKey</c> in the <c>X-Api-Key</c> header. With no key configured, nothing can write.
/// </summary>
public sealed class ApiKeyFilter(IConfiguration configuration) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    public const string Actor = "api-key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = configuration["Security:ApiKey"];
        var given = context.HttpContext.Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(configured) || string.IsNullOrEmpty(given)
            || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
        {
            return Problems.Result(context.HttpContext, "unauthorized",
                string.IsNullOrEmpty(configured) ? "writes are disabled: no Security:ApiKey is configured" : $"a valid {Header} header is required");
        }
        return await next(context);
    }
}

/// <summary>Every POST that creates ledger entries carries an <c>Idempotency-Key</c> header (1–200 characters).</summary>
public sealed class IdempotencyKeyFilter : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = context.HttpContext.Request.Headers[Header].ToString();
        if (string.IsNullOrWhiteSpace(key) || key.Length > Ledger.Ledger.MaxKeyLength)
        {
            return Problems.Result(context.HttpContext, "idempotency_key_required",
                $"send a unique {Header} header of 1 to {Ledger.Ledger.MaxKeyLength} characters with every request that creates ledger entries");
        }
        return await next(context);
    }
}
