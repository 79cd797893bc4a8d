using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;
using OpsConsole.Tests.Shared;
using OpenTelemetry;
using OpenTelemetry.Logs;

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

    /// <summary>
    /// A console with extra settings (e.g. single sign-on), or one whose log capture records every category from a level.
    /// A setting given as null is left unset, so the console uses its own default (e.g. the real rate limits).
    /// </summary>
    public static ConsoleFactory With(IReadOnlyDictionary<string, string?>? extraSettings = null, LogLevel? captureAllFrom = null) =>
        new(extraSettings, captureAllFrom);

    /// <summary>A console over a given data folder, which is kept on dispose (for restarts on the same data).</summary>
    public static ConsoleFactory OnDataDirectory(string dataDirectory, IReadOnlyDictionary<string, string?>? extraSettings = null) =>
        new(extraSettings, null, dataDirectory);

    /// <summary>The settings every test console gets beyond its data folder, unless a test overrides them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> RelaxedLimits = new Dictionary<string, string?>
    {
        // Test classes sign in and read the audit trail far more often than a person does, all from one
        // (unknown) client address. The attack tests under Security/ set these back to null: the real defaults.
        ["OPS_SIGNIN_ATTEMPTS_PER_MINUTE"] = "100000",
        ["OPS_EXPENSIVE_READS_PER_MINUTE"] = "100000",
    };

    protected ConsoleFactory(IReadOnlyDictionary<string, string?>? extraSettings, LogLevel? captureAllFrom = null, string? dataDirectory = null)
    {
        KeepDataDirectory = dataDirectory is not null;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "opsconsole-tests", Guid.NewGuid().ToString("N"));
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
        foreach (var (key, value) in RelaxedLimits) _settings[key] = value;
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
            _settings[key] = value;
        // A test about the embedded store's files says OPS_STORE=sqlite; the others follow the suite's store.
        OnPostgres = TestStores.IsPostgres && !_settings.ContainsKey("OPS_STORE");
        if (OnPostgres)
        {
            // The same data folder, the same database: a console restarted on its data finds its store again.
            // Replicas given one shared store file (OPS_SQLITE_FILE) share one database instead.
            var storeKey = _settings.GetValueOrDefault("OPS_SQLITE_FILE") is { Length: > 0 } sharedFile ? sharedFile : DataDirectory;
            StoreConnectionString = TestStores.PostgresDatabase(storeKey);
            _settings["OPS_STORE"] = "postgres";
            _settings["OPS_STORE_CONNECTION"] = StoreConnectionString;
        }
        else StoreConnectionString = $"Data Source={StorePath};Pooling=False";
    }

    public string DataDirectory { get; }
    public bool KeepDataDirectory { get; }

    /// <summary>What the console printed for the operator's terminal only (standard output, not the logs).</summary>
    public StringWriter OperatorOutput { get; } = new();

    /// <summary>Every log record the OpenTelemetry logger provider received, i.e. what an OTLP exporter would ship.</summary>
    public IReadOnlyList<string> OpenTelemetryLogs { get { lock (_otelLogs) return [.. _otelLogs]; } }
    private readonly List<string> _otelLogs = [];

    /// <summary>
    /// Request header a test sets to choose the client address the console sees (the test server has
    /// none of its own), e.g. for per-address rate limits or trusted proxies.
    /// </summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    /// <summary>Where the console's clock is: the real time plus this offset (lets a test end a minute without waiting for it).</summary>
    public ShiftedClock Clock { get; } = new();
    public string AdminPassword { get; }
    public string AdminToken { get; }
    public LogCapture Logs { get; } = new();

    /// <summary>When set, the capture records every category from this level, whatever the app's log configuration says.</summary>
    public LogLevel? CaptureAllFrom { get; }

    public string StorePath => Path.Combine(DataDirectory, "opsconsole.db");

    /// <summary>The store the console runs on: its SQLite file, or its own PostgreSQL database when the suite runs on PostgreSQL.</summary>
    public string StoreConnectionString { get; }

    /// <summary>True when this console's store is a PostgreSQL database.</summary>
    public bool OnPostgres { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            if (CaptureAllFrom is { } level) logging.AddFilter<LogCapture>(null, level);
        });
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(new OperatorNotice(OperatorOutput));
            services.AddSingleton<TimeProvider>(Clock);
            services.AddTransient<IStartupFilter>(_ => new ClientAddressFromHeader());
            services.ConfigureOpenTelemetryLoggerProvider(otel => otel.AddProcessor(new RecordingProcessor(_otelLogs)));
        });
    }

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((ctx, nextMiddleware) =>
            {
                if (IPAddress.TryParse(ctx.Request.Headers[ClientAddressHeader].ToString(), out var address)) ctx.Connection.RemoteIpAddress = address;
                return nextMiddleware(ctx);
            });
            next(app);
        };
    }

    private sealed class RecordingProcessor(List<string> sink) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord record)
        {
            var parts = new List<string> { record.CategoryName ?? "", record.FormattedMessage ?? "", record.Body ?? "" };
            if (record.Attributes is { } attributes) parts.AddRange(attributes.Select(a => $"{a.Key}={a.Value}"));
            record.ForEachScope((scope, list) =>
            {
                foreach (var kv in scope) list.Add($"{kv.Key}={kv.Value}");
            }, parts);
            if (record.Exception is { } e) parts.Add(e.ToString());
            lock (sink) sink.Add(string.Join(" | ", parts));
        }
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
        if (KeepDataDirectory) return;
        if (OnPostgres) TestStores.Release(StoreConnectionString);
        try { if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* a job-store handle still closing; the OS temp folder is cleaned eventually */ }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The system clock moved by an offset a test sets; timers still run in real time.</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
