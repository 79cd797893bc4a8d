using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Runbooks.Search;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Runbooks;

/// <summary>A real store with runbooks, the rollout engine over the in-memory cluster and the demo targets.</summary>
internal static class RunbookFixture
{
    public static readonly Actor OnCall = new("olga", new HashSet<string> { Roles.OnCall }, "corr-rb");
    public static readonly Actor Viewer = new("vic", new HashSet<string> { Roles.Viewer }, "corr-rb-v");

    private sealed class ZeroMetrics : IMetricProvider
    {
        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) => Task.FromResult(MetricValue.Of(0));
    }

    public static async Task<TestStore> CreateAsync(FakeTimeProvider clock, bool demo = false)
    {
        var store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddSingleton<IClusterAdapter>(new InMemoryClusterAdapter(clock));
            s.AddSingleton<IMetricProvider>(new ZeroMetrics());
            s.AddSingleton(new EgressPolicy());
            s.AddRolloutEngine();
            s.AddRunbooks();
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        });
        await using var db = store.NewContext();
        await store.Services.GetRequiredService<IRunbookSearch>().EnsureAsync(db, CancellationToken.None);
        if (demo) await DemoSeed.EnsureAsync(db, demo: true, clock.GetUtcNow().UtcDateTime);
        return store;
    }

    public static string Markdown(string title = "High error rate", string body = "Body text.", string extra = "") =>
        $"---\ntitle: {title}\nservices: [checkout]\nalerts:\n  - alertname=\"HighErrorRate\"\nowners: [sre]\nlast_reviewed: 2026-11-01\ntags: [errors]\n{extra}---\n\n# {title}\n\n{body}\n";

    public const string AbortStep = "```action\nname: rollout.abort\nservice: checkout\nenvironment: prod\n```\n";
}
