using System.Diagnostics;
using System.Reflection;
using MediatR;

namespace PointsBank.Infrastructure;

public static class Mediation
{
    /// <summary>
    /// MediatR 5.1.0 has no DI package: register the mediator, every request handler found in the assembly, and
    /// the pipeline behaviours, outermost first.
    /// </summary>
    public static IServiceCollection AddMediation(this IServiceCollection services, Assembly assembly)
    {
        services.AddScoped<ServiceFactory>(sp => sp.GetService!);
        services.AddScoped<IMediator, Mediator>();
        foreach (var type in assembly.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequestHandler<,>)))
            {
                services.AddTransient(contract, type);
            }
        }
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(Identity.AuditBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(Identity.AuthorizationBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(UnitOfWorkBehavior<,>));
        return services;
    }
}

/// <summary>
/// Logs every request with its duration and outcome, and counts refusals by code — once per request from outside: a
/// handler that sends another request (a resident's export reads the resident through <c>GetResident</c>) and passes
/// its refusal on is one refusal, not two.
/// </summary>
public sealed class LoggingBehavior<TRequest, TResponse>(ILogger<LoggingBehavior<TRequest, TResponse>> logger,
    PointsBankMetrics? metrics = null)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var name = typeof(TRequest).Name;
        var started = Stopwatch.GetTimestamp();
        var outermost = !MediationDepth.Inside;
        // Counted only by the outermost request's behaviour: the nested ones run inside it, flagged for the rest of
        // this flow (an AsyncLocal set here is seen by what next() awaits, and undone when this call returns).
        if (outermost)
        {
            MediationDepth.Inside = true;
        }
        var counting = outermost ? metrics : null;
        try
        {
            var response = await next();
            var failure = response?.GetType().GetProperty(nameof(Outcome<object>.Failure))?.GetValue(response) as Failure;
            if (failure is null)
            {
                logger.LogInformation("{Request} handled in {Elapsed:0.0} ms", name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            else
            {
                counting?.Refused(failure.Code);
                // The detail can quote the request (a username, a code): escaped, so it cannot forge a log line.
                logger.LogWarning("{Request} refused with {Code}: {Detail}", name, failure.Code, LogText.Escape(failure.Detail));
            }
            return response;
        }
        catch (Exception e) when (RefusalCode(e) is { } code)
        {
            counting?.Refused(code);
            throw;
        }
        catch (Exception e) when (e is not RequestValidationException and not OperationCanceledException
                                      and not Identity.NotAuthenticatedException and not Identity.ForbiddenException)
        {
            logger.LogError(e, "{Request} failed after {Elapsed:0.0} ms", name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        finally
        {
            if (outermost)
            {
                MediationDepth.Inside = false;
            }
        }
    }

    // The problem code a refusal thrown in the pipeline becomes (Problems.HandleExceptionAsync), for the refusal count.
    private static string? RefusalCode(Exception e) => e switch
    {
        IdempotencyKeyRequiredException => "idempotency_key_required",
        RequestValidationException => "validation_failed",
        Identity.NotAuthenticatedException => "unauthorized",
        Identity.ForbiddenException forbidden => forbidden.Code,
        _ => null,
    };
}

/// <summary>The one place validation failures come from: requests that implement <see cref="IValidated"/>.</summary>
public sealed class ValidationBehavior<TRequest, TResponse> : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is IIdempotent idempotent && (idempotent.KeyRequired || !string.IsNullOrEmpty(idempotent.IdempotencyKey))
            && !IdempotencyKeys.IsValid(idempotent.IdempotencyKey))
        {
            throw new IdempotencyKeyRequiredException(typeof(TRequest).Name);
        }
        if (request is IValidated validated)
        {
            var errors = validated.Validate().ToList();
            if (errors.Count > 0)
            {
                throw new RequestValidationException(typeof(TRequest).Name, errors);
            }
        }
        return next();
    }
}

/// <summary>Whether the current flow is already inside a mediated request (see <see cref="LoggingBehavior{TRequest, TResponse}"/>).</summary>
internal static class MediationDepth
{
    private static readonly AsyncLocal<bool> Flag = new();

    public static bool Inside
    {
        get => Flag.Value;
        set => Flag.Value = value;
    }
}
