using System.Globalization;

namespace PointsBank.Bench;

/// <summary>
/// The benchmark program (see docs/performance.md): <c>[--count N] [--single M] [--file path] [--quick]</c>, or
/// <c>--rankings</c> for the monthly ranking over a growing ledger (<see cref="BenchRankings"/>).
/// It measures the ledger against raw SQLite inserts of the same rows, and an award over HTTP through the real service
/// against the ledger, in one run on one fresh file, and prints the ratios DESIGN.md §12 asks for with PASS or MISS
/// beside each. Exit code 0 when it ran (a missed target is a result, not an error), 2 on bad arguments, 1 when the
/// run itself failed.
/// </summary>
internal static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"bench: {e.Message}");
            await Console.Error.WriteLineAsync(BenchOptions.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        try
        {
            if (options.Rankings)
            {
                await new BenchRankings(options, Console.Out).RunAsync(CancellationToken.None);
            }
            else
            {
                await new BenchRun(options, Console.Out).RunAsync(CancellationToken.None);
            }
            return 0;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"bench failed: {e}");
            return 1;
        }
    }
}

internal sealed record BenchOptions
{
    public const string Usage = """
        usage: PointsBank.Bench [--count N] [--single M] [--batch B] [--accounts A] [--scale S] [--file path] [--keep] [--quick] [--profile]
          --count N     items for the batched parts (a) raw and (b) ledger           (default 200000; quick 5000)
          --single M    items for the one-commit-per-item parts (c), (d), (h) and each (e) (default 3000; quick 200)
          --batch B     items per database transaction in (a), (b)                   (default 1000)
          --accounts A  household accounts per community                             (default 1000)
          --scale S     ledger size for the second (e) measurement                   (default 1000000; quick 50000)
          --file path   the SQLite file to use; it is deleted first (default: a file under the temp folder)
          --keep        keep the file afterwards (always kept when --file is given)
          --quick       small counts for a smoke run (well under a minute)
          --profile     also print where the ledger's time goes, per SQL statement (slows the run a little)
          --rankings    instead of the above: the monthly ranking of one month as the ledger grows to 10%, 30% and 100% of
                        --scale entries, over --accounts households (defaults 1000000 and 10000; quick 30000 and 1000)
        """;

    public int Count { get; init; } = 200_000;
    public int Single { get; init; } = 3_000;
    public int Batch { get; init; } = 1_000;
    public int Accounts { get; init; } = 1_000;
    public int Scale { get; init; } = 1_000_000;

    /// <summary>The ledger size of the first (e) measurement ("~10k entries").</summary>
    public int SmallLedger { get; init; } = 10_000;

    public string? File { get; init; }
    public bool Keep { get; init; }
    public bool Quick { get; init; }
    public bool Profile { get; init; }
    public bool Rankings { get; init; }
    public bool Help { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var options = quick
            ? new BenchOptions { Quick = true, Count = 5_000, Single = 200, Scale = 50_000, SmallLedger = 10_000 }
            : new BenchOptions();
        var (accountsGiven, scaleGiven) = (false, false);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--keep":
                    options = options with { Keep = true };
                    break;
                case "--profile":
                    options = options with { Profile = true };
                    break;
                case "--rankings":
                    options = options with { Rankings = true };
                    break;
                case "-h" or "--help":
                    options = options with { Help = true };
                    break;
                case "--count":
                    options = options with { Count = Number(args, ref i, 1, 5_000_000) };
                    break;
                case "--single":
                    options = options with { Single = Number(args, ref i, 10, 1_000_000) };
                    break;
                case "--batch":
                    options = options with { Batch = Number(args, ref i, 1, PointsBank.Ledger.PointsLedger.MaxBatchSize) };
                    break;
                case "--accounts":
                    options = options with { Accounts = Number(args, ref i, 1, 100_000) };
                    accountsGiven = true;
                    break;
                case "--scale" when args.Contains("--rankings"):
                    options = options with { Scale = Number(args, ref i, 1_000, 50_000_000) };
                    scaleGiven = true;
                    break;
                case "--scale":
                    options = options with { Scale = Number(args, ref i, 1, 50_000_000) };
                    break;
                case "--file":
                    options = options with { File = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--file needs a path") };
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (options.Rankings)
        {
            // The ranking benchmark's own defaults: DESIGN §12's 10k accounts and 1M entries (quick: 1k and 30k).
            return options with
            {
                Accounts = accountsGiven ? options.Accounts : quick ? 1_000 : 10_000,
                Scale = scaleGiven ? options.Scale : quick ? 30_000 : 1_000_000,
            };
        }
        if (options.Scale < options.SmallLedger + 2 * options.Single + 200)
        {
            throw new ArgumentException($"--scale must exceed the small ledger ({options.SmallLedger}) plus the (e) measurements");
        }
        return options;
    }

    private static int Number(string[] args, ref int i, int min, int max)
    {
        var name = args[i];
        if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            throw new ArgumentException($"{name} needs a whole number from {min} to {max}");
        }
        return value;
    }
}
