using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace OpsConsole.E2E.Tests;

/// <summary>
/// One console on a real Kestrel socket (Blazor's circuit needs a WebSocket) and one headless
/// Chromium, shared by every browser test. Each test opens its own browser context, so tests
/// share no cookies and do not depend on each other's order.
/// </summary>
public class ConsoleBrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium; Playwright drives it without downloading a browser of its own.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string AdminUserName = "admin";
    public const string AdminPassword = "e2e-admin-password-1";

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "opsconsole-e2e-" + Guid.NewGuid().ToString("N"));
    private ConsoleFactory? _factory;
    private IPlaywright? _playwright;

    public string AdminToken { get; } = "e2e-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    public Uri BaseAddress { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;

    /// <summary>The running console's services, for a test that seeds what no API creates yet.</summary>
    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The console has not started.");

    /// <summary>Settings beyond the data folder and the admin's credentials. This console runs without the demo.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["OPS_DEMO"] = "false" };

    /// <summary>Folder for screenshots, beside the test binaries.</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"Chromium is missing at {ChromiumPath}: the browser tests need Debian's Chromium. " +
                "Install it with 'apt-get install -y chromium' (./test.sh does this) and run the tests again.");

        Directory.CreateDirectory(_dataDir);
        _factory = new ConsoleFactory(_dataDir, AdminPassword, AdminToken, Settings);
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("The console started but Kestrel reported no listening address.");
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Assertions.SetDefaultExpectTimeout(10_000);
    }

    /// <summary>A fresh browser context (its own cookies) aimed at the console.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    /// <summary>An HTTP client that acts as the admin through the API token from OPS_ADMIN_TOKEN.</summary>
    public HttpClient AdminApi()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public async Task<IReadOnlyList<ApiUser>> ListUsersAsync()
    {
        using var api = AdminApi();
        using var response = await api.GetAsync("api/v1/users");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<List<ApiUser>>() ?? [];
    }

    /// <summary>Creates a user through the API as the admin.</summary>
    public async Task CreateUserAsync(string userName, string password, params string[] roles)
    {
        using var api = AdminApi();
        using var response = await api.PostAsJsonAsync("api/v1/users", new { userName, password, roles });
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"Creating user {userName} through the API answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed class ConsoleFactory(string dataDir, string adminPassword, string adminToken, IReadOnlyDictionary<string, string> settings)
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("OPS_DATA_DIR", dataDir);
            builder.UseSetting("OPS_ADMIN_PASSWORD", adminPassword);
            builder.UseSetting("OPS_ADMIN_TOKEN", adminToken);
            builder.UseSetting("OPS_JOB_POLL_SECONDS", "0.5");
            // Every test signs in from the same loopback address, far more often than a person would.
            builder.UseSetting("OPS_SIGNIN_ATTEMPTS_PER_MINUTE", "100000");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }
}

public sealed record ApiUser(string UserName, IReadOnlyList<string> Roles, bool Disabled);

[CollectionDefinition(Name)]
public sealed class ConsoleBrowserCollection : ICollectionFixture<ConsoleBrowserFixture>
{
    public const string Name = "console in a browser";
}
