namespace PointsBank.Infrastructure;

/// <summary>
/// An expected business failure: a stable machine code (see <see cref="ProblemCatalog"/>) and a detail; optionally
/// members the problem details carry beside them (e.g. the households an inspection batch found already graded).
/// </summary>
public sealed record Failure(string Code, string Detail, IReadOnlyDictionary<string, object?>? Extensions = null);

/// <summary>What a handler returns: a value, or an expected failure that the edge maps to problem details.</summary>
public sealed record Outcome<T>(T? Value, Failure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}
