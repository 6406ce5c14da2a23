using PointsBank.Ledger;
namespace PointsBank.Infrastructure;

/// <summary>
/// A request that creates ledger entries carries the caller's <c>Idempotency-Key</c>. The validation behaviour
/// (after authorization, so refused callers still get 401/403 and an audit row) requires it.
/// </summary>
public interface IIdempotent
{
    string IdempotencyKey { get; }
}

public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static bool IsValid(string? key) => PointsLedger.IsValidKey(key);
}

/// <summary>The request has no usable Idempotency-Key: a 400 with its own code.</summary>
public sealed class IdempotencyKeyRequiredException(string requestName) : RequestValidationException(requestName,
    [new FieldError(IdempotencyKeys.Header, $"请在请求头 {IdempotencyKeys.Header} 中提供 1 到 {PointsLedger.MaxKeyLength} 个字符的唯一键",
        $"send a unique {IdempotencyKeys.Header} header of 1 to {PointsLedger.MaxKeyLength} characters")]);
