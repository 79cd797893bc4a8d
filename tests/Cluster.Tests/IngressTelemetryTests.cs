using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;

namespace OpsConsole.Cluster.Tests;

public sealed class IngressTelemetryTests
{
    [Fact]
    public async Task The_ingress_publishes_request_error_and_latency_meters_per_revision()
    {
        var target = new ServiceEnvironment("meters", "dev");
        var seen = new ConcurrentDictionary<(string Instrument, string Revision), double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngressTelemetry.MeterName) l.EnableMeasurementEvents(instrument);
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? service = null, environment = null, revision = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "service") service = tag.Value as string;
                if (tag.Key == "environment") environment = tag.Value as string;
                if (tag.Key == "revision") revision = tag.Value as string;
            }
            if (service == target.Service && environment == target.Environment && revision is not null)
                seen.AddOrUpdate((instrument.Name, revision), instrument.Name == IngressTelemetry.DurationName ? 1 : value, (_, v) => v + (instrument.Name == IngressTelemetry.DurationName ? 1 : value));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.Start();

        await using var cluster = new TestCluster();
        var failing = new RevisionSpec("2.0.0", 1, new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "1" });
        await cluster.DeployReadyAsync(target, new RevisionSpec("1.0.0"));
        await cluster.DeployReadyAsync(target, failing);
        await cluster.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0"));
        await cluster.SendAsync(target, 12);
        await cluster.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo(failing.Name));
        await cluster.SendAsync(target, 7);

        Assert.Equal(12, seen[(IngressTelemetry.RequestsName, "1.0.0")]);
        Assert.Equal(12, seen[(IngressTelemetry.DurationName, "1.0.0")]);
        Assert.False(seen.ContainsKey((IngressTelemetry.ServerErrorsName, "1.0.0")));
        Assert.Equal(7, seen[(IngressTelemetry.RequestsName, failing.Name)]);
        Assert.Equal(7, seen[(IngressTelemetry.ServerErrorsName, failing.Name)]);
        Assert.Equal(7, seen[(IngressTelemetry.DurationName, failing.Name)]);
    }

    [Fact]
    public async Task Without_weights_the_ingress_answers_503_and_counts_nothing()
    {
        await using var cluster = new TestCluster();
        var target = new ServiceEnvironment("noweights", "dev");
        await cluster.DeployReadyAsync(target, new RevisionSpec("1.0.0"));
        Assert.All(await cluster.SendAsync(target, 3), a => Assert.Equal(503, a.Status));
        Assert.Equal(0, (await cluster.Adapter.GetRevisionMetricsAsync(target, "1.0.0", TimeSpan.FromMinutes(1))).Requests);
    }
}
