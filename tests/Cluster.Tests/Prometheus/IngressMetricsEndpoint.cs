using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpsConsole.Core.Cluster.Local;

namespace OpsConsole.Cluster.Tests.Prometheus;

/// <summary>
/// The local ingress's meters exported at /metrics with OpenTelemetry's Prometheus exporter on a
/// loopback port, as the console exports them on its own /metrics.
/// </summary>
public sealed class IngressMetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IngressMetricsEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>host:port, as a Prometheus static target.</summary>
    public string Target => $"{Address.Host}:{Address.Port}";

    public static async Task<IngressMetricsEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(IngressTelemetry.MeterName).AddPrometheusExporter());
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IngressMetricsEndpoint(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
