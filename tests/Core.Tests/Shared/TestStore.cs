using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;
using OpsConsole.Core.Persistence;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Core.Tests.Shared;

/// <summary>
/// A real store migrated like the console does, with Core's services around it: a SQLite file in a
/// temp folder, or a fresh PostgreSQL database when the suite runs against PostgreSQL (TestStores).
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "opsconsole-core-tests", Guid.NewGuid().ToString("N"));
    public string DbPath => Path.Combine(Directory, "store.db");
    /// <summary>The store's connection string (SQLite file or PostgreSQL database).</summary>
    public string ConnectionString { get; }
    public ServiceProvider Services { get; }
    public OutboxSignal Signal { get; } = new();

    private TestStore(Action<IServiceCollection>? configure)
    {
        System.IO.Directory.CreateDirectory(Directory);
        ConnectionString = TestStores.ConnectionString(DbPath);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(Signal);
        services.AddDbContextFactory<OpsDbContext>(o => o.UseTestStore(ConnectionString).AddInterceptors(Signal.Interceptors));
        services.AddIdentityCore<ConsoleUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<OpsDbContext>()
            .AddDefaultTokenProviders();
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(EventSource.ForInstance("test"));
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<WebhookSecrets>();
        services.AddScoped<UserDirectory>();
        services.AddScoped<ApiTokens>();
        services.AddScoped<FirstRun>();
        configure?.Invoke(services);
        Services = services.BuildServiceProvider();
    }

    public static async Task<TestStore> CreateAsync(Action<IServiceCollection>? configure = null)
    {
        var store = new TestStore(configure);
        await using var db = store.NewContext();
        if (TestStores.IsPostgres) await StoreProvider.MigrateAsync(db); // with the guards the console installs
        else await db.Database.MigrateAsync();
        return store;
    }

    public OpsDbContext NewContext() => Services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        TestStores.Release(ConnectionString);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
