using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Overview;
using OpsConsole.Console.Tests.Components.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components;

/// <summary>The operations home: rollouts in flight, batches that wait for the viewer, ingress traffic, all kept current.</summary>
public sealed class OverviewTests() : RolloutComponentContext(s =>
{
    s.AddSingleton<MeteredCluster>();
    s.AddSingleton<IClusterAdapter>(sp => sp.GetRequiredService<MeteredCluster>());
})
{
    /// <summary>The in-memory cluster, reporting the same traffic on every revision (requests and 5xx over the window).</summary>
    public sealed class MeteredCluster(InMemoryClusterAdapter inner) : IClusterAdapter
    {
        public long Requests { get; set; }
        public long Errors { get; set; }

        public string Kind => inner.Kind;
        public Task<Revision> DeployRevisionAsync(ServiceEnvironment t, RevisionSpec spec, CancellationToken ct = default) => inner.DeployRevisionAsync(t, spec, ct);
        public Task<Revision> ScaleRevisionAsync(ServiceEnvironment t, string r, int n, CancellationToken ct = default) => inner.ScaleRevisionAsync(t, r, n, ct);
        public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment t, TrafficSplit split, CancellationToken ct = default) => inner.SetWeightsAsync(t, split, ct);
        public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment t, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default) => inner.SetHeaderRoutesAsync(t, routes, ct);
        public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment t, string r, CancellationToken ct = default) => inner.GetInstanceHealthAsync(t, r, ct);
        public Task<bool> RemoveRevisionAsync(ServiceEnvironment t, string r, CancellationToken ct = default) => inner.RemoveRevisionAsync(t, r, ct);
        public Task<ServiceState?> GetServiceAsync(ServiceEnvironment t, CancellationToken ct = default) => inner.GetServiceAsync(t, ct);
        public Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default) => inner.ListServicesAsync(ct);

        public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment t, string r, TimeSpan window, CancellationToken ct = default)
        {
            var now = DateTimeOffset.UtcNow;
            return Task.FromResult(new RevisionMetrics(t, r, now - window, now, Requests, Errors, null, null, null));
        }
    }

    private MeteredCluster Metered => Services.GetRequiredService<MeteredCluster>();

    private async Task<Guid> StoreBatchAsync(string requestedBy, MigrationBatchStatus status = MigrationBatchStatus.AwaitingApproval)
    {
        await using var db = NewDb();
        var batch = new MigrationBatch
        {
            Service = "checkout", Environment = "prod", Kind = MigrationRunKind.Apply, Status = status, RequestedBy = requestedBy,
            RequestedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, RequiresApproval = true,
            SourceChecksum = "checksum", ChangesJson = "{}", // recorded on request, as the coordinator does
        };
        db.MigrationBatches.Add(batch);
        await db.SaveChangesAsync();
        return batch.Id;
    }

    private IRenderedComponent<Overview> RenderOverview(TimeSpan? rateRefresh = null) =>
        Render<Overview>(p => p.Add(x => x.RateRefresh, rateRefresh ?? TimeSpan.FromMinutes(10)));

    [Fact]
    public async Task Shows_a_rollout_in_flight_with_its_step_and_split()
    {
        SignIn("vera", Roles.Viewer);
        var id = await StartRolloutAsync();
        await UpdateStoredAsync(id, r => r.CanaryWeight = 20);

        var cut = RenderOverview();

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find("[data-testid=in-flight-rollout]");
            Assert.Equal(id.ToString(), row.GetAttribute("data-rollout-id"));
            Assert.Contains("checkout/prod", row.TextContent);
            Assert.StartsWith("step 1 of 4", cut.Find("[data-testid=in-flight-step]").TextContent);
            Assert.Equal("20", row.QuerySelector("[data-testid=traffic-bar]")!.GetAttribute("data-canary-weight"));
        });
        Assert.NotNull(cut.Find("[data-testid=overview-live]"));
        Assert.NotNull(cut.Find("[data-testid=event-feed]"));
    }

    [Fact]
    public async Task Lists_a_batch_awaiting_approval_only_for_someone_who_may_approve_it()
    {
        var id = await StoreBatchAsync(requestedBy: "rita");
        await StoreBatchAsync(requestedBy: "rita", MigrationBatchStatus.Succeeded);

        SignIn("max", Roles.ReleaseManager);
        var cut = RenderOverview();
        cut.WaitForAssertion(() => Assert.Equal(id.ToString(), Assert.Single(cut.FindAll("[data-testid=awaiting-batch]")).GetAttribute("data-batch-id")));
        Assert.Contains($"/migrations/batches/{id}", cut.Find("[data-testid=awaiting-batch] a").GetAttribute("href"));

        SignIn("rita", Roles.ReleaseManager);
        var requester = RenderOverview();
        requester.WaitForAssertion(() => Assert.Contains("No migration batch waits for you", requester.Find("[data-testid=awaiting-me]").TextContent));
        Assert.Empty(requester.FindAll("[data-testid=awaiting-batch]"));
    }

    [Fact]
    public async Task Shows_each_targets_request_rate_and_error_ratio_and_rereads_them_on_its_timer()
    {
        SignIn("vera", Roles.Viewer);
        await Cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0"));
        await Cluster.DeployRevisionAsync(new ServiceEnvironment("catalog", "dev"), new RevisionSpec("2.0.0"));
        Metered.Requests = 300;
        Metered.Errors = 15;

        var cut = RenderOverview(TimeSpan.FromMilliseconds(50));

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid=ingress-rate]");
            Assert.Equal(["catalog/dev", "checkout/prod"], rows.Select(r => r.GetAttribute("data-target")));
            Assert.All(rows, r => Assert.Equal("10", r.GetAttribute("data-rps")));
            Assert.All(rows, r => Assert.Equal("0.05", r.GetAttribute("data-error-ratio")));
        });

        Metered.Requests = 600;
        Metered.Errors = 0;
        cut.WaitForAssertion(() => Assert.All(cut.FindAll("[data-testid=ingress-rate]"), r =>
        {
            Assert.Equal("20", r.GetAttribute("data-rps"));
            Assert.Equal("0", r.GetAttribute("data-error-ratio"));
        }));
    }

    [Fact]
    public async Task Updates_when_a_rollout_or_a_batch_changes()
    {
        SignIn("max", Roles.ReleaseManager);
        var cut = RenderOverview();
        cut.WaitForAssertion(() => Assert.Contains("Nothing is deploying right now", cut.Find("[data-testid=in-flight]").TextContent));

        var rollout = await StartRolloutAsync();
        Services.GetRequiredService<RolloutUpdates>().Publish(rollout, Checkout.ToString());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=in-flight-rollout]")));

        var batch = await StoreBatchAsync(requestedBy: "rita");
        Services.GetRequiredService<MigrationUpdates>().Publish(batch);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=awaiting-batch]")));

        await UpdateStoredAsync(rollout, r => r.Phase = RolloutPhase.Healthy);
        Services.GetRequiredService<RolloutUpdates>().Publish(rollout, Checkout.ToString());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=in-flight-rollout]")));
    }

    [Fact]
    public async Task Lists_the_last_failures_and_rollbacks_as_sentences()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderOverview();
        cut.WaitForAssertion(() => Assert.Contains("Nothing has failed", cut.Find("[data-testid=recent-failures]").TextContent));

        await using (var db = NewDb())
        {
            var outbox = Services.GetRequiredService<EventOutbox>();
            outbox.Add(db, Olga, EventTypes.RollbackExecuted, "checkout/prod", new { service = "checkout", environment = "prod", version = "1.1.0", stableVersion = "1.0.0", reason = "error rate 0.5", trigger = "automatic" });
            var row = outbox.Add(db, Olga, EventTypes.UserCreated, "user/bob", new { userName = "bob" });
            await db.SaveChangesAsync();
            // A user change is not a failure: only the rollback may show up.
            await Services.GetRequiredService<LiveEvents>().OnEventAsync(EventEnvelope.From(row), db, CancellationToken.None);
        }
        Services.GetRequiredService<RolloutUpdates>().Publish(Guid.NewGuid(), "checkout/prod");

        cut.WaitForAssertion(() =>
        {
            var failure = Assert.Single(cut.FindAll("[data-testid=recent-failure]"));
            Assert.Equal(EventTypes.RollbackExecuted, failure.GetAttribute("data-event-type"));
            Assert.Contains("rolled back to 1.0.0 automatically: error rate 0.5", failure.QuerySelector("[data-testid=event-sentence]")!.TextContent);
        });
    }
}
