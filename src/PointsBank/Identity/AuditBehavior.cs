using MediatR;
using PointsBank.Infrastructure;

namespace PointsBank.Identity;

/// <summary>
/// Writes an audit row for every write (whatever its outcome) and for every denied attempt, read or write: who,
/// when, what request, which community, and how it ended.
/// </summary>
public sealed class AuditBehavior<TRequest, TResponse>(CallerContext callers, AuditLog audit) : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var isWrite = request is not IQuery;
        TResponse response;
        try
        {
            response = await next();
        }
        catch (NotAuthenticatedException)
        {
            await audit.RecordAsync(callers.Current, request!, "denied:unauthenticated", "", CancellationToken.None);
            throw;
        }
        catch (ForbiddenException e)
        {
            await audit.RecordAsync(callers.Current, request!, $"denied:{e.Code}", e.Message, CancellationToken.None);
            throw;
        }
        catch (RequestValidationException e) when (isWrite)
        {
            await audit.RecordAsync(callers.Current, request!, "invalid", e.Message, CancellationToken.None);
            throw;
        }
        catch (Exception e) when (isWrite && e is not OperationCanceledException)
        {
            await audit.RecordAsync(callers.Current, request!, "error", e.GetType().Name, CancellationToken.None);
            throw;
        }
        if (isWrite)
        {
            var failure = response?.GetType().GetProperty(nameof(Outcome<object>.Failure))?.GetValue(response) as Failure;
            await audit.RecordAsync(callers.Current, request!, failure is null ? "ok" : $"failed:{failure.Code}", failure?.Detail ?? "",
                CancellationToken.None);
        }
        return response;
    }
}
