using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Rollouts;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Console.Tests.Slo;

/// <summary>The console over an in-memory cluster and a fake metric history the test fills.</summary>
public sealed class SloConsoleFactory : ConsoleFactory
{
    public SloConsoleFactory() : base(null) { }

    public SloFakeHistory History { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()));
            s.RemoveAll<IMetricHistory>();
            s.AddSingleton<IMetricHistory>(History);
        });
    }

    public Task SeedTargetsAsync(string service, params string[] environments) => WithStoreAsync(async db =>
    {
        var now = DateTime.UtcNow;
        foreach (var environment in environments)
            if (!await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment))
                db.DeployTargets.Add(new DeployTarget { Service = service, Environment = environment, DefaultStrategyJson = """{"canary":{"steps":[{"pause":{}}]}}""", CreatedAt = now, UpdatedAt = now });
        return await db.SaveChangesAsync();
    });
}
