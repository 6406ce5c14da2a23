namespace PointsBank.Infrastructure;

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
