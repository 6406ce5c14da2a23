using PointsBank.Ledger;
namespace PointsBank.Infrastructure;

/// <summary>
/// A request that creates something carries the caller's <c>Idempotency-Key</c>: the unit of work stores it with the
/// answer, so the same key and request replays the answer and another request under it is a conflict. Requests that
/// post points require it (<see cref="KeyRequired"/>, checked by the validation behaviour after authorization, so
/// refused callers still get 401/403 and an audit row); the others accept it.
/// </summary>
public interface IIdempotent
{
    string? IdempotencyKey { get; }

    bool KeyRequired => true;
}

public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// A client's key: the ledger's rule (not blank, visible), short enough to keep its <c>client:</c> namespace prefix
    /// in the ledger (<see cref="LedgerKeys.MaxClientKeyLength"/>), and, because the key travels in an HTTP header and
    /// is stored, printable ASCII only: no control characters, nothing a header or a log line could hide.
    /// </summary>
    public static bool IsValid(string? key) =>
        PointsLedger.IsValidKey(key) && key!.Length <= LedgerKeys.MaxClientKeyLength && key.All(c => c is >= ' ' and <= '~');
}

/// <summary>The request has no usable Idempotency-Key: a 400 with its own code.</summary>
public sealed class IdempotencyKeyRequiredException(string requestName) : RequestValidationException(requestName,
    [new FieldError(IdempotencyKeys.Header, $"请在请求头 {IdempotencyKeys.Header} 中提供 1 到 {LedgerKeys.MaxClientKeyLength} 个可打印 ASCII 字符的唯一键",
        $"send a unique {IdempotencyKeys.Header} header of 1 to {LedgerKeys.MaxClientKeyLength} printable ASCII characters")]);

/// <summary>
/// The Idempotency-Key header came more than once (ASP.NET would join the copies into "a,b", a key the client never
/// chose): a 400 with its own code, raised at the HTTP edge before anything is sent.
/// </summary>
public sealed class IdempotencyKeyRepeatedException() : Exception($"the {IdempotencyKeys.Header} header was sent more than once");
