using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Tests.Shared;

/// <summary>
/// The whole console in-process, over its own temporary data folder (SQLite store, job store and
/// keys), with a known admin password and admin API token. The folder is deleted on dispose.
/// </summary>
public class ConsoleFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private int _deleted;

    public ConsoleFactory() : this(null) { }

    /// <summary>A console with extra settings (e.g. single sign-on), or one whose log capture records every category from a level.</summary>
    public static ConsoleFactory With(IReadOnlyDictionary<string, string?>? extraSettings = null, LogLevel? captureAllFrom = null) =>
        new(extraSettings, captureAllFrom);

    protected ConsoleFactory(IReadOnlyDictionary<string, string?>? extraSettings, LogLevel? captureAllFrom = null)
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "opsconsole-tests", Guid.NewGuid().ToString("N"));
        AdminPassword = "admin-pw-" + Guid.NewGuid().ToString("N");
        AdminToken = "opc_admin_" + Guid.NewGuid().ToString("N");
        CaptureAllFrom = captureAllFrom;
        _settings = new Dictionary<string, string?>
        {
            ["OPS_DATA_DIR"] = DataDirectory,
            ["OPS_ADMIN_PASSWORD"] = AdminPassword,
            ["OPS_ADMIN_TOKEN"] = AdminToken,
            // Hangfire's job server is found by this name prefix in the readiness check.
            ["OPS_INSTANCE"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["OPS_JOB_POLL_SECONDS"] = "0.5",
            // No demo services: these hosts test the foundation; rollout tests seed what they need.
            ["OPS_DEMO"] = "false",
            // The shared helpers' placeholder webhook address (the discard port: nothing listens). Egress
            // attack tests set this to "" to run with the default policy.
            ["OPS_EGRESS_ALLOW"] = "127.0.0.1:9",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
            _settings[key] = value;
    }

    public string DataDirectory { get; }
    public string AdminPassword { get; }
    public string AdminToken { get; }
    public LogCapture Logs { get; } = new();

    /// <summary>When set, the capture records every category from this level, whatever the app's log configuration says.</summary>
    public LogLevel? CaptureAllFrom { get; }

    public string StorePath => Path.Combine(DataDirectory, "opsconsole.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            if (CaptureAllFrom is { } level) logging.AddFilter<LogCapture>(null, level);
        });
    }

    /// <summary>A client for the API that sends no credentials and follows no redirects.</summary>
    public HttpClient CreateAnonymousClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    /// <summary>A client that sends this bearer token.</summary>
    public HttpClient CreateTokenClient(string token)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient CreateAdminClient() => CreateTokenClient(AdminToken);

    public async Task<T> WithStoreAsync<T>(Func<OpsDbContext, Task<T>> work)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<OpsDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await work(db);
    }

    public Task<int> CountAsync<TEntity>() where TEntity : class =>
        WithStoreAsync(db => db.Set<TEntity>().CountAsync());

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) DeleteDataDirectory();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        DeleteDataDirectory();
        GC.SuppressFinalize(this);
    }

    private void DeleteDataDirectory()
    {
        if (Interlocked.Exchange(ref _deleted, 1) == 1) return;
        SqliteConnection.ClearAllPools();
        try { if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* a job-store handle still closing; the OS temp folder is cleaned eventually */ }
        catch (UnauthorizedAccessException) { }
    }
}
