using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Releases;

/// <summary>
/// The console over an in-memory cluster, capturing every log line from Trace, with the services
/// checkout and catalog in dev, staging and prod (nothing deployed, a strategy that waits).
/// </summary>
public sealed class ReleasesConsoleFactory : ConsoleFactory
{
    public ReleasesConsoleFactory() : base(null, LogLevel.Trace) { }

    public const string WaitingStrategy = """{"canary":{"steps":[{"pause":{}}]}}""";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()));
        });
    }

    public Task SeedTargetsAsync(params string[] services) => WithStoreAsync(async db =>
    {
        var now = DateTime.UtcNow;
        foreach (var service in services)
            foreach (var environment in new[] { "dev", "staging", "prod" })
                if (!await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment))
                    db.DeployTargets.Add(new DeployTarget { Service = service, Environment = environment, DefaultStrategyJson = WaitingStrategy, CreatedAt = now, UpdatedAt = now });
        return await db.SaveChangesAsync();
    });
}
