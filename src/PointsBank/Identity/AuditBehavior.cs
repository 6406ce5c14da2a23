using MediatR;
using PointsBank.Infrastructure;

namespace PointsBank.Identity;

/// <summary>
/// Writes an audit row for every write (whatever its outcome) and for every denied attempt by a signed-in caller,
/// read or write: who, when, what request, which community, and how it ended. A successful write's row is written by
/// the unit of work, in its transaction; refusals, failures and denials are written here, on their own, after the
/// unit rolled back. Anonymous reads leave no row (a scanner must not be able to fill the log).
/// </summary>
public sealed class AuditBehavior<TRequest, TResponse>(CallerContext callers, AuditLog audit, Data.UnitOfWork work)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        // A request sent from inside another's unit of work is the outer request's business: its audit row records
        // how the whole ended. Recording here, on a connection of its own, would wait for the unit's own lock.
        if (work.IsOpen)
        {
            return await next();
        }
        var isWrite = request is not IQuery;
        TResponse response;
        try
        {
            response = await next();
        }
        catch (NotAuthenticatedException) when (isWrite)
        {
            await audit.RecordAsync(callers.Current, request!, "denied:unauthenticated", "", CancellationToken.None);
            throw;
        }
        // Denied reads are recorded for signed-in staff (an isolation probe); a card holder or an anonymous caller
        // reading leaves nothing permanent (DESIGN §9: a scanner must not be able to fill the log).
        catch (ForbiddenException e) when (isWrite || callers.Current.Kind == CallerKind.User)
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
            var failure = Outcomes.FailureOf(response);
            if (failure is not null)
            {
                await audit.RecordAsync(callers.Current, request!, $"failed:{failure.Code}", failure.Detail, CancellationToken.None);
            }
            else if (request is IOutsideUnitOfWork)
            {
                await audit.RecordAsync(callers.Current, request!, "ok", "", CancellationToken.None);
            }
        }
        return response;
    }
}
