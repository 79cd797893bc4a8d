using OpsConsole.Core.Cluster.InMemory;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Rollouts;

/// <summary>
/// The whole console (demo off, like <see cref="ConsoleFactory"/>) over a <see cref="InMemoryClusterAdapter"/>,
/// so rollouts can be started and acted on through the API without starting workload processes.
/// </summary>
public sealed class FakeClusterConsoleFactory : ConsoleFactory
{
    public FakeClusterConsoleFactory() : base(null) { }

    private FakeClusterConsoleFactory(IReadOnlyDictionary<string, string?> settings) : base(settings) { }

    /// <summary>A fake-cluster console with extra settings, e.g. <c>OPS_EGRESS_ALLOW</c>.</summary>
    public static FakeClusterConsoleFactory WithSettings(IReadOnlyDictionary<string, string?> settings) => new(settings);

    /// <summary>A strategy that waits at its only step until someone acts: the rollout stays in flight.</summary>
    public const string WaitingStrategy = """{"canary":{"steps":[{"pause":{}}]}}""";

    public InMemoryClusterAdapter Cluster => (InMemoryClusterAdapter)Services.GetRequiredService<IClusterAdapter>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()));
        });
    }

    /// <summary>
    /// A service in an environment to deploy to, with nothing deployed yet (so aborting needs no
    /// stable revision) and <see cref="WaitingStrategy"/> as its default. Idempotent.
    /// </summary>
    public Task SeedTargetAsync(string service, string environment = "dev") => WithStoreAsync(async db =>
    {
        if (await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment)) return 0;
        var now = DateTime.UtcNow;
        db.DeployTargets.Add(new DeployTarget
        {
            Service = service, Environment = environment, DefaultStrategyJson = WaitingStrategy, CreatedAt = now, UpdatedAt = now,
        });
        return await db.SaveChangesAsync();
    });

    /// <summary>Seeds a fresh target and starts a rollout there as <paramref name="caller"/> (OnCall or ReleaseManager); returns its id.</summary>
    public async Task<Guid> StartRolloutAsync(HttpClient caller, string? service = null)
    {
        service ??= Names.Unique("svc");
        await SeedTargetAsync(service);
        var response = await caller.PostAsJsonAsync("/api/v1/rollouts", new { service, environment = "dev", version = "1.1.0" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }
}
