using PointsBank.Data;

namespace PointsBank.Infrastructure;

/// <summary>One invalid field, with its message in both UI languages.</summary>
public sealed record FieldError(string Field, string Zh, string En);

/// <summary>A request that checks its own shape; the validation behaviour calls it before any handler runs.</summary>
public interface IValidated
{
    IEnumerable<FieldError> Validate();
}

public class RequestValidationException(string requestName, IReadOnlyList<FieldError> errors)
    : Exception($"{requestName} is invalid: {string.Join("; ", errors.Select(e => $"{e.Field}: {e.En}"))}")
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>Small checks shared by requests, so the same rule reads and reports the same everywhere.</summary>
public static class Check
{
    public static IEnumerable<FieldError> Positive(string field, long value)
    {
        if (value <= 0)
        {
            yield return new FieldError(field, "必须大于 0", "must be greater than 0");
        }
    }

    public static IEnumerable<FieldError> Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            yield return new FieldError(field, $"必须在 {min} 到 {max} 之间", $"must be between {min} and {max}");
        }
    }

    /// <summary>
    /// Text that is stored and shown again: required unless said otherwise, at most <paramref name="max"/> characters,
    /// and acceptable as <see cref="StoredText"/> (no control characters, bidi overrides or invisible-only text).
    /// </summary>
    public static IEnumerable<FieldError> Text(string field, string? value, int max, bool required = true, bool allowLineBreaks = false)
    {
        if (string.IsNullOrEmpty(value) || (required && string.IsNullOrWhiteSpace(value)))
        {
            if (required)
            {
                yield return new FieldError(field, "不能为空", "is required");
            }
            yield break;
        }
        if (value.Length > max)
        {
            yield return new FieldError(field, $"不能超过 {max} 个字符", $"must be at most {max} characters");
            yield break;
        }
        var problem = StoredText.Check(value, allowLineBreaks);
        if (problem != StoredText.Problem.None)
        {
            var (zh, en) = StoredText.Describe(problem);
            yield return new FieldError(field, zh, en);
        }
    }

    public static IEnumerable<FieldError> Code(string field, string? value, int max)
    {
        if (string.IsNullOrEmpty(value) || value.Length > max || !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
        {
            yield return new FieldError(field, $"须为 1 到 {max} 个小写字母、数字、下划线或连字符",
                $"must be 1 to {max} lowercase letters, digits, '_' or '-'");
        }
    }
}
