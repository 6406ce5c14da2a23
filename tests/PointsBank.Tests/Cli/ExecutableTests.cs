using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PointsBank.Tests.Cli;

/// <summary>
/// The built executable as an operator starts it (a child process, in Production, in an empty working folder): what
/// it answers without starting, what it refuses to create, and where it listens.
/// </summary>
[NonParallelizable]
public sealed class ExecutableTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"exe-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private sealed class Run(Process process, StringBuilder output) : IDisposable
    {
        public Process Process => process;

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        public async Task<int> ExitAsync()
        {
            using var timeout = new CancellationTokenSource(Patience);
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }
            process.Dispose();
        }
    }

    // Settings of the machine running the tests must not leak into the child; each test says what it sets.
    private Run Start(string workingFolder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase) || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        void Append(object _, DataReceivedEventArgs e)
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Run(process, output);
    }

    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("help")]
    public async Task Help_ListsTheVerbs_AndExitsZero_WithoutListeningOrCreatingADatabase(string help)
    {
        using var run = Start(_folder, new Dictionary<string, string>(), help);

        var exit = await run.ExitAsync();

        Assert.That(exit, Is.Zero, run.Output);
        Assert.That(run.Output, Does.Contain("migrate").And.Contain("verify").And.Contain("admin").And.Not.Contain("bench"));
        Assert.That(run.Output, Does.Not.Contain("Now listening"));
        Assert.That(Directory.EnumerateFileSystemEntries(_folder), Is.Empty, "nothing is created in the working folder");
    }

    [Test]
    public async Task ABareWordThatIsNoVerb_IsRefused_WithoutStartingTheServer()
    {
        using var run = Start(_folder, new Dictionary<string, string>(), "verfy");

        var exit = await run.ExitAsync();

        Assert.That(exit, Is.Not.Zero);
        Assert.That(run.Output, Does.Contain("unknown verb 'verfy'").And.Contain("verify"));
        Assert.That(Directory.EnumerateFileSystemEntries(_folder), Is.Empty);
    }

    [Test]
    public async Task Verify_OnAMissingDatabase_IsAClearError_AndCreatesNothing()
    {
        var missing = Path.Combine(_folder, "nope", "x.db");
        using var run = Start(_folder, new Dictionary<string, string> { ["ConnectionStrings__PointsBank"] = $"Data Source={missing}" }, "verify");

        var exit = await run.ExitAsync();

        Assert.That(exit, Is.Not.Zero.And.Not.EqualTo(134));
        Assert.That(run.Output, Does.Contain($"database file {missing} does not exist"));
        Assert.That(Directory.EnumerateFileSystemEntries(_folder), Is.Empty, "no folder, no database, no keys");
    }

    // Run from the app's own folder, so its appsettings.json is read: it must not pin the address. (--urls sets the
    // same key as ASPNETCORE_URLS; each start costs seconds, so it is not a third case.)
    [TestCase("ASPNETCORE_URLS")]
    [TestCase("Kestrel__Endpoints__Http__Url")]
    public async Task TheListenAddress_FollowsTheStandardSettings(string setting)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__PointsBank"] = $"Data Source={Path.Combine(_folder, "pointsbank.db")}",
            ["DataProtection__KeysPath"] = Path.Combine(_folder, "keys"),
        };
        environment[setting] = url;
        using var run = Start(Path.GetDirectoryName(typeof(Program).Assembly.Location)!, environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };

        var live = await AnswerAsync(run, http, $"{url}/health/live");

        Assert.That(live, Is.EqualTo(HttpStatusCode.OK), run.Output);
        Assert.That(run.Output, Does.Not.Contain("Overriding address"), "no default fights the configured address");
    }

    private static async Task<HttpStatusCode?> AnswerAsync(Run run, HttpClient http, string url)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline && !run.Process.HasExited)
        {
            try
            {
                return (await http.GetAsync(url)).StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }
        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
