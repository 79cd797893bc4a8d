using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;

namespace OpsConsole.Cluster.Tests;

/// <summary>The local cluster against real workload processes and a real ingress.</summary>
public sealed class LocalClusterTests
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "staging");
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Deployed_instances_become_healthy_and_the_ingress_answers_with_their_version()
    {
        await using var cluster = new TestCluster();
        var revision = await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0", instances: 2));
        Assert.Equal("1.0.0", revision.Name);
        Assert.Equal(2, revision.ReadyInstances);
        Assert.All(revision.Instances, i => Assert.True(TestCluster.IsAlive(i.ProcessId!.Value)));
        Assert.Equal(2, revision.Instances.Select(i => i.Address).Distinct().Count());

        // Each instance is a real process answering on its own port.
        foreach (var instance in revision.Instances)
        {
            var direct = await TestCluster.GetJsonAsync(instance.Address!);
            Assert.Equal(new WorkloadAnswer("checkout", "1.0.0", instance.Id), direct);
        }

        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        var answers = await cluster.SendAsync(Checkout, 20);
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.All(answers, a => Assert.Equal("1.0.0", a.Version));
        // Both instances get traffic (round robin).
        Assert.Equal(revision.Instances.Select(i => i.Id).Order(), answers.Select(a => a.Instance!).Distinct().Order());
    }

    [Fact]
    public async Task Deploying_the_same_revision_again_changes_nothing()
    {
        await using var cluster = new TestCluster();
        var spec = new RevisionSpec("1.0.0", 1, new Dictionary<string, string> { ["GREETING"] = "hello" });
        var first = await cluster.DeployReadyAsync(Checkout, spec);
        var again = await cluster.Adapter.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0", 1, new Dictionary<string, string> { ["GREETING"] = "hello" }));

        Assert.Equal(first.Name, again.Name);
        Assert.Equal(first.Instances.Select(i => i.ProcessId), again.Instances.Select(i => i.ProcessId));
        Assert.Equal(InstanceState.Healthy, Assert.Single(again.Instances).State);
        Assert.Single((await cluster.Adapter.GetServiceAsync(Checkout))!.Revisions);
    }

    [Fact]
    public async Task Weights_split_the_traffic_and_the_metrics_count_each_revision()
    {
        await using var cluster = new TestCluster();
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0"));
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.1.0"));
        var routing = await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.Canary("1.0.0", "1.1.0", 20));
        Assert.Equal(80, routing.WeightOf("1.0.0"));
        Assert.Equal(20, routing.WeightOf("1.1.0"));

        const int n = 400;
        var answers = await cluster.SendAsync(Checkout, n);
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        var canary = answers.Count(a => a.Version == "1.1.0");
        var stable = answers.Count(a => a.Version == "1.0.0");
        Assert.Equal(n, canary + stable);
        // 20% of 400 is 80 (standard deviation 8): accept four deviations either way.
        Assert.InRange(canary, 48, 112);

        var stableMetrics = await cluster.Adapter.GetRevisionMetricsAsync(Checkout, "1.0.0", Window);
        var canaryMetrics = await cluster.Adapter.GetRevisionMetricsAsync(Checkout, "1.1.0", Window);
        Assert.Equal(stable, stableMetrics.Requests);
        Assert.Equal(canary, canaryMetrics.Requests);
        Assert.Equal(0, canaryMetrics.Errors5xx);
        Assert.Equal(1.0, canaryMetrics.SuccessRate);
        Assert.NotNull(canaryMetrics.LatencyP99Ms);

        // A change of weights applies to the very next request.
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.1.0"));
        Assert.All(await cluster.SendAsync(Checkout, 40), a => Assert.Equal("1.1.0", a.Version));
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        Assert.All(await cluster.SendAsync(Checkout, 40), a => Assert.Equal("1.0.0", a.Version));
    }

    [Fact]
    public async Task A_header_route_reaches_the_preview_revision_whatever_the_weights()
    {
        await using var cluster = new TestCluster();
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0"));
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("2.0.0"));
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        var routing = await cluster.Adapter.SetPreviewAsync(Checkout, "2.0.0");
        Assert.Equal("2.0.0", Assert.Single(routing.HeaderRoutes).Revision);

        var preview = new Dictionary<string, string> { ["X-Preview"] = "true" };
        Assert.All(await cluster.SendAsync(Checkout, 30, preview), a => Assert.Equal("2.0.0", a.Version));
        Assert.All(await cluster.SendAsync(Checkout, 30), a => Assert.Equal("1.0.0", a.Version));
        Assert.All(await cluster.SendAsync(Checkout, 10, new Dictionary<string, string> { ["X-Preview"] = "false" }), a => Assert.Equal("1.0.0", a.Version));
        Assert.Equal(30, (await cluster.Adapter.GetRevisionMetricsAsync(Checkout, "2.0.0", Window)).Requests);

        await cluster.Adapter.SetPreviewAsync(Checkout, null);
        Assert.All(await cluster.SendAsync(Checkout, 20, preview), a => Assert.Equal("1.0.0", a.Version));
    }

    [Fact]
    public async Task An_injected_error_rate_shows_in_the_ingress_metrics()
    {
        await using var cluster = new TestCluster();
        var spec = new RevisionSpec("1.2.0", 1, new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5" });
        Assert.StartsWith("1.2.0-", spec.Name);
        await cluster.DeployReadyAsync(Checkout, spec);
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo(spec.Name));

        var answers = await cluster.SendAsync(Checkout, 400);
        var errors = answers.Count(a => a.Status == 500);
        Assert.Equal(400, answers.Count(a => a.Status is 200 or 500));

        var metrics = await cluster.Adapter.GetRevisionMetricsAsync(Checkout, spec.Name, Window);
        Assert.Equal(400, metrics.Requests);
        Assert.Equal(errors, metrics.Errors5xx);
        // Half of 400 (standard deviation 10): accept four deviations either way.
        Assert.InRange(metrics.ErrorRate!.Value, 0.4, 0.6);
        Assert.Equal(1.0, metrics.SuccessRate!.Value + metrics.ErrorRate!.Value, 9);
    }

    [Fact]
    public async Task An_injected_latency_shows_in_the_latency_percentiles()
    {
        await using var cluster = new TestCluster();
        var slow = new RevisionSpec("1.3.0", 1, new Dictionary<string, string> { ["FAULT_LATENCY_MS"] = "120" });
        await cluster.DeployReadyAsync(Checkout, slow);
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0"));
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.Canary("1.0.0", slow.Name, 50));

        await cluster.SendAsync(Checkout, 80);
        var slowMetrics = await cluster.Adapter.GetRevisionMetricsAsync(Checkout, slow.Name, Window);
        var fastMetrics = await cluster.Adapter.GetRevisionMetricsAsync(Checkout, "1.0.0", Window);
        Assert.True(slowMetrics.Requests > 10 && fastMetrics.Requests > 10);
        Assert.InRange(slowMetrics.LatencyP50Ms!.Value, 110, 2000);
        Assert.True(slowMetrics.LatencyP50Ms <= slowMetrics.LatencyP90Ms && slowMetrics.LatencyP90Ms <= slowMetrics.LatencyP99Ms);
        Assert.True(fastMetrics.LatencyP50Ms < 100, $"fast revision p50 {fastMetrics.LatencyP50Ms} ms");
    }

    [Fact]
    public async Task A_killed_instance_is_restarted_and_becomes_healthy_again()
    {
        await using var cluster = new TestCluster();
        var revision = await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0", 2));
        var victim = revision.Instances[0];
        using (var process = System.Diagnostics.Process.GetProcessById(victim.ProcessId!.Value))
            process.Kill(); // SIGKILL, like kill -9

        var after = await cluster.WaitForRevisionAsync(Checkout, "1.0.0",
            r => r.Instances.Single(i => i.Id == victim.Id) is { State: InstanceState.Healthy, Restarts: >= 1 } i && i.ProcessId != victim.ProcessId,
            "the killed instance restarted and healthy");
        var restarted = after.Instances.Single(i => i.Id == victim.Id);
        Assert.True(TestCluster.IsAlive(restarted.ProcessId!.Value));
        Assert.False(TestCluster.IsAlive(victim.ProcessId!.Value));
        Assert.Contains("exited with code", restarted.LastError);
        Assert.Equal(revision.Instances[1].ProcessId, after.Instances[1].ProcessId); // the other one was left alone
        Assert.Equal(new WorkloadAnswer("checkout", "1.0.0", victim.Id), await TestCluster.GetJsonAsync(restarted.Address!));
    }

    [Fact]
    public async Task An_instance_that_keeps_crashing_is_restarted_each_time_with_the_reason_kept()
    {
        await using var cluster = new TestCluster();
        var spec = new RevisionSpec("1.4.0", 1, new Dictionary<string, string> { ["FAULT_CRASH_AFTER_S"] = "0.5" });
        await cluster.Adapter.DeployRevisionAsync(Checkout, spec);
        var revision = await cluster.WaitForRevisionAsync(Checkout, spec.Name, r => r.Instances[0].Restarts >= 2, "restarted twice");
        var instance = revision.Instances[0];
        Assert.Contains("exited with code 3", instance.LastError);
        Assert.Contains("FAULT_CRASH_AFTER_S", instance.LastError);
    }

    [Fact]
    public async Task Removing_a_revision_stops_its_processes()
    {
        await using var cluster = new TestCluster();
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0"));
        var canary = await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.1.0", 2));
        var pids = canary.Instances.Select(i => i.ProcessId!.Value).ToList();
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.Canary("1.0.0", "1.1.0", 10));

        // Removing a revision that still takes traffic would black-hole it: refused, nothing changes.
        await Assert.ThrowsAsync<ConflictException>(() => cluster.Adapter.RemoveRevisionAsync(Checkout, "1.1.0"));
        Assert.All(pids, pid => Assert.True(TestCluster.IsAlive(pid)));

        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        Assert.True(await cluster.Adapter.RemoveRevisionAsync(Checkout, "1.1.0"));
        Assert.All(pids, pid => Assert.False(TestCluster.IsAlive(pid), $"pid {pid} still runs"));
        Assert.Null(await cluster.Adapter.GetRevisionAsync(Checkout, "1.1.0"));
        Assert.Empty(await cluster.Adapter.GetInstanceHealthAsync(Checkout, "1.1.0"));
        Assert.Single(Directory.GetFiles(cluster.Adapter.PidDirectory, "*.pid")); // only 1.0.0's instance is left
        Assert.False(await cluster.Adapter.RemoveRevisionAsync(Checkout, "1.1.0")); // already gone: no-op
        Assert.All(await cluster.SendAsync(Checkout, 10), a => Assert.Equal("1.0.0", a.Version));
    }

    [Fact]
    public async Task Scaling_starts_and_stops_instances()
    {
        await using var cluster = new TestCluster();
        await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0", 1));
        await cluster.Adapter.ScaleRevisionAsync(Checkout, "1.0.0", 3);
        var three = await cluster.WaitForRevisionAsync(Checkout, "1.0.0", r => r.IsReady && r.Instances.Count == 3, "three healthy instances");

        var down = await cluster.Adapter.ScaleRevisionAsync(Checkout, "1.0.0", 1);
        Assert.Equal(three.Instances[0].Id, Assert.Single(down.Instances).Id);
        Assert.All(three.Instances.Skip(1), i => Assert.False(TestCluster.IsAlive(i.ProcessId!.Value)));

        var zero = await cluster.Adapter.ScaleRevisionAsync(Checkout, "1.0.0", 0);
        Assert.Empty(zero.Instances);
        Assert.False(TestCluster.IsAlive(three.Instances[0].ProcessId!.Value));
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        // No instance to send to: the ingress answers 503 and counts it against the revision.
        Assert.All(await cluster.SendAsync(Checkout, 5), a => Assert.Equal(503, a.Status));
        Assert.Equal(5, (await cluster.Adapter.GetRevisionMetricsAsync(Checkout, "1.0.0", Window)).Errors5xx);
        await Assert.ThrowsAsync<NotFoundException>(() => cluster.Adapter.ScaleRevisionAsync(Checkout, "9.9.9", 1));
    }

    [Fact]
    public async Task A_new_cluster_over_the_same_data_folder_reaps_the_instances_a_dead_one_left()
    {
        var first = new TestCluster();
        var payments = new ServiceEnvironment("payments", "prod");
        var revision = await first.DeployReadyAsync(payments, new RevisionSpec("1.0.0", 2));
        var pids = revision.Instances.Select(i => i.ProcessId!.Value).ToList();
        try
        {
            await first.Adapter.AbandonAsync(); // as if the console had been killed
            Assert.All(pids, pid => Assert.True(TestCluster.IsAlive(pid)));
            Assert.Equal(2, Directory.GetFiles(first.Adapter.PidDirectory, "*.pid").Length);

            await using var second = new TestCluster(first.DataDirectory);
            Assert.Equal(2, second.Adapter.ReapedOrphans);
            Assert.All(pids, pid => Assert.False(TestCluster.IsAlive(pid), $"orphan {pid} still runs"));
            Assert.Empty(Directory.GetFiles(second.Adapter.PidDirectory, "*.pid"));
            Assert.Empty(await second.Adapter.ListServicesAsync());
        }
        finally
        {
            foreach (var pid in pids.Where(TestCluster.IsAlive))
                System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
    }

    [Fact]
    public async Task A_second_cluster_cannot_share_a_data_folder_with_a_running_one()
    {
        await using var cluster = new TestCluster();
        var e = Assert.Throws<InvalidOperationException>(() => new OpsConsole.Core.Cluster.Local.LocalClusterAdapter(TestCluster.Options(cluster.DataDirectory)));
        Assert.Contains("data folder", e.Message);
    }

    [Fact]
    public async Task Disposing_the_cluster_stops_every_process_and_ingress()
    {
        var cluster = new TestCluster();
        var a = await cluster.DeployReadyAsync(Checkout, new RevisionSpec("1.0.0", 2));
        var b = await cluster.DeployReadyAsync(new ServiceEnvironment("catalog", "dev"), new RevisionSpec("3.1.0"));
        var endpoint = await cluster.EndpointAsync(Checkout);
        var pids = a.Instances.Concat(b.Instances).Select(i => i.ProcessId!.Value).ToList();

        await cluster.DisposeAsync();

        Assert.All(pids, pid => Assert.False(TestCluster.IsAlive(pid), $"pid {pid} still runs"));
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(endpoint));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cluster.Adapter.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0")));
    }

    [Fact]
    public async Task The_ingress_keeps_its_port_across_restarts_of_the_cluster()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "opsconsole-cluster-tests", Guid.NewGuid().ToString("N"));
        Uri first;
        await using (var cluster = new TestCluster(dataDirectory, keepData: true))
        {
            await cluster.Adapter.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0", 0));
            first = await cluster.EndpointAsync(Checkout);
        }
        await using (var again = new TestCluster(dataDirectory))
        {
            await again.Adapter.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0", 0));
            Assert.Equal(first, await again.EndpointAsync(Checkout));
        }
    }
}
