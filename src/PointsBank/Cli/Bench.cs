namespace PointsBank.Cli;

/// <summary>The benchmark program (see docs/performance.md).</summary>
internal static class Bench
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("the benchmark is not written yet");
        return Task.FromResult(2);
    }
}
