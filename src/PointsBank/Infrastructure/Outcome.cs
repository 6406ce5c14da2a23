namespace PointsBank.Infrastructure;

/// <summary>An expected business failure: a stable machine code (see <see cref="ProblemCatalog"/>) and a detail.</summary>
public sealed record Failure(string Code, string Detail);

/// <summary>What a handler returns: a value, or an expected failure that the edge maps to problem details.</summary>
public sealed record Outcome<T>(T? Value, Failure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}
