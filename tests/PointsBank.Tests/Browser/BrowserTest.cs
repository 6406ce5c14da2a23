using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using PointsBank.Data;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Browser;

/// <summary>
/// Base of the browser suites: per fixture one app on Kestrel and one headless Chromium (Debian's, at
/// <see cref="ChromiumPath"/>; Playwright's own browser downloads are not used); per test a fresh browser context
/// (no cookies carried over) and page. A failed test leaves a screenshot in <c>TestResults/screenshots/</c>.
/// Every suite runs on both engines, as the web-host suites do: an abstract suite taking the provider and two sealed
/// fixtures, <c>Sqlite…Tests</c> and <c>SqlServer…Tests</c>; <see cref="EngineFixture"/>'s one-time set-up runs first
/// and ignores the SQL Server fixture (with the reason) when POINTSBANK_SQLSERVER is unset, before a host or Chromium
/// is started.
/// </summary>
public abstract class BrowserTest(DatabaseProvider provider) : EngineFixture(provider)
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IBrowserContext? _context;

    protected BrowserApp App { get; private set; } = null!;

    /// <summary>The app's clock; a suite that moves time overrides it with a <c>FakeClock</c>.</summary>
    protected virtual TimeProvider? Clock => null;
    protected Uri BaseUrl { get; private set; } = null!;
    protected IPage Page { get; private set; } = null!;

    /// <summary>Errors the page reported (a script error, a style or script the content security policy blocked, a failed load).</summary>
    protected List<string> ConsoleErrors { get; } = [];

    private static string ScreenshotRoot { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    /// <summary>
    /// Where screenshots go: TestResults/screenshots at the repository root; the SQL Server fixtures' in its
    /// <c>sqlserver/</c> folder, so that a run on both engines keeps both sets.
    /// </summary>
    protected string ScreenshotDirectory => Provider == DatabaseProvider.SqlServer ? Path.Combine(ScreenshotRoot, "sqlserver") : ScreenshotRoot;

    [OneTimeSetUp]
    public async Task StartAppAndBrowser()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Fail($"Browser tests need Chromium at {ChromiumPath}: install it with `apt-get install -y chromium fonts-noto-cjk` " +
                "(.ci/run does this). Playwright's own browser download is not used here.");
        }
        App = new BrowserApp(Provider, Clock);
        BaseUrl = App.Start();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    [OneTimeTearDown]
    public async Task StopAppAndBrowser()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    [SetUp]
    public async Task OpenPage()
    {
        _context = await _browser!.NewContextAsync(new()
        {
            BaseURL = BaseUrl.ToString(),
            ViewportSize = new() { Width = 1280, Height = 800 },
        });
        _context.SetDefaultTimeout(15_000);
        Page = await _context.NewPageAsync();
        ConsoleErrors.Clear();
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Add(message.Text);
            }
        };
        Page.PageError += (_, error) => ConsoleErrors.Add(error);
    }

    [TearDown]
    public async Task ClosePage()
    {
        if (_context is null)
        {
            return;
        }
        if (TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed)
        {
            try
            {
                var file = await ScreenshotAsync(TestContext.CurrentContext.Test.Name);
                TestContext.AddTestAttachment(file, "the page when the test failed");
            }
            catch (PlaywrightException e)
            {
                TestContext.Out.WriteLine($"no screenshot: {e.Message}");
            }
        }
        await _context.CloseAsync();
        _context = null;
    }

    /// <summary>Saves a full-page screenshot as TestResults/screenshots/&lt;name&gt;.png and returns its path.</summary>
    protected async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var safe = string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        var file = Path.Combine(ScreenshotDirectory, safe + ".png");
        await Page.ScreenshotAsync(new() { Path = file, FullPage = true });
        return file;
    }

    /// <summary>The id of the seeded demo community (never assumed to be 1: ids are the engine's to give).</summary>
    protected async Task<long> DemoCommunityAsync()
    {
        await using var connection = await App.Services.GetRequiredService<System.Data.Common.DbDataSource>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM communities WHERE code = 'demo'");
    }

    /// <summary>The path of the page's current address.</summary>
    protected string CurrentPath => new Uri(Page.Url).AbsolutePath;

    /// <summary>Waits until the browser has arrived at a page with this path.</summary>
    protected Task WaitForPathAsync(string path) => Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path);

    /// <summary>Fills and submits the sign-in form on the current page (which must be /login) and waits for the answer.</summary>
    protected async Task SubmitSignInAsync(string username, string password)
    {
        await Page.Locator("#username").FillAsync(username);
        await Page.Locator("#password").FillAsync(password);
        await ClickAndWaitForPageAsync(Page.Locator("form.form button[type=submit]"));
    }

    /// <summary>Clicks something that loads a new page (a link, a form's button) and waits until that page has loaded.</summary>
    protected async Task ClickAndWaitForPageAsync(ILocator target)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLoad(object? sender, IPage page) => loaded.TrySetResult();
        Page.Load += OnLoad;
        try
        {
            await target.ClickAsync();
            await loaded.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            Page.Load -= OnLoad;
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PointsBank.sln")))
            {
                return directory.FullName;
            }
        }
        return TestContext.CurrentContext.WorkDirectory;
    }
}
