using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediatR;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Jobs;
using PointsBank.Ledger;

namespace PointsBank.Tests.Support;

/// <summary>
/// The built service as an operator runs it — <c>dotnet PointsBank.dll</c>, a child process in Production — over a SQLite
/// file in a temporary folder, so a test can kill it (SIGKILL) or run two of them on one file.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the service on a free port of 127.0.0.1 and waits until <c>/health/live</c> answers.</summary>
    public static async Task<ServiceProcess> StartAsync(string databaseFile, string keysFolder)
    {
        var port = FreePort();
        var dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase) || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__PointsBank"] = $"Data Source={databaseFile}";
        start.Environment["DataProtection__KeysPath"] = keysFolder;
        start.Environment["Jobs__Enabled"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        void Append(object _, DataReceivedEventArgs e)
        {
            lock (service._output)
            {
                service._output.AppendLine(e.Data);
            }
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync(new Uri(service.Address, "/health/live"))).StatusCode == HttpStatusCode.OK)
                {
                    return service;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        var output = service.Output;
        await service.DisposeAsync();
        throw new InvalidOperationException($"the service did not start: {output}");
    }

    /// <summary>SIGKILL: no shutdown, no flush, no disposal — a power cut as far as the process is concerned.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>A client with the committee's bearer token.</summary>
    public HttpClient Client(string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = 64 })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A database file made ready for <see cref="ServiceProcess"/>: migrated, one community with accounts, a committee token.</summary>
public sealed record ProcessDatabase(string Folder, string File, string Keys, long CommunityId, long[] Accounts, string Token)
{
    /// <summary>Awards by rule: one hour of volunteer service (1 point), in the community's default catalogue.</summary>
    public static string AwardBody(long account) =>
        JsonSerializer.Serialize(new { accountId = account, ruleCode = "volunteer_service", facts = new { minutes = 60 } });

    public static async Task<ProcessDatabase> CreateAsync(int accounts)
    {
        var folder = Path.Combine(Path.GetTempPath(), "pointsbank-tests", $"proc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "pointsbank.db");
        await using var services = Services(file);
        await services.GetRequiredService<Migrator>().MigrateAsync();
        services.GetRequiredService<CallerContext>().Current = Caller.Cli("test");
        var mediator = services.GetRequiredService<IMediator>();
        var community = Value(await mediator.Send(new CreateCommunity($"proc-{Guid.NewGuid():N}"[..20], "进程测试村"))).CommunityId;
        var ids = new long[accounts];
        for (var i = 0; i < accounts; i++)
        {
            var household = Value(await mediator.Send(new AddHousehold(community, null, $"户-{i + 1:D3}")));
            ids[i] = Value(await mediator.Send(new OpenAccount(community, "household", household.HouseholdId))).AccountId;
        }
        var username = $"p{Guid.NewGuid():N}"[..16];
        Value(await mediator.Send(new AddCommunityUser(community, username, "两委", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "committee")));
        var token = Value(await mediator.Send(new IssueTokenFor(username, "process-test", 1))).Token;
        SqliteConnection.ClearAllPools();
        return new ProcessDatabase(folder, file, Path.Combine(folder, "keys"), community, ids, token);
    }

    /// <summary>The app's services over the file, in this process (to set up, and to read and verify afterwards).</summary>
    public static ServiceProvider Services(string file) =>
        new ServiceCollection()
            .AddLogging()
            .AddPointsBank(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={file}" })
            .AddJobs(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build())
            .BuildServiceProvider();

    public async Task<T> ReadAsync<T>(Func<IServiceProvider, Task<T>> read)
    {
        await using var services = Services(File);
        var result = await read(services);
        SqliteConnection.ClearAllPools();
        return result;
    }

    public void Delete()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static T Value<T>(Outcome<T> outcome) =>
        outcome.Succeeded ? outcome.Value! : throw new InvalidOperationException($"{outcome.Failure!.Code}: {outcome.Failure.Detail}");
}
