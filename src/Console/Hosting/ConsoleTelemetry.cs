using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OpsConsole.Console.Hosting;

/// <summary>The console's own trace source and meter names (exported with OpenTelemetry), and their registration.</summary>
public static class ConsoleTelemetry
{
    public const string SourceName = "OpsConsole";
    public const string MeterName = "OpsConsole";
    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Traces, metrics (scraped at /metrics) and logs; OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public static IHostApplicationBuilder AddConsoleTelemetry(this IHostApplicationBuilder builder, ConsoleSettings settings)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("opsconsole", serviceInstanceId: settings.InstanceName))
            .WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/_blazor"))
                .AddSource(SourceName))
            // Process-level .NET runtime metrics come from the built-in System.Runtime meter (.NET 9+).
            .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddMeter("System.Runtime")
                .AddMeter(MeterName).AddMeter(Core.Cluster.Local.IngressTelemetry.MeterName).AddPrometheusExporter());
        builder.Logging.AddOpenTelemetry(o => { o.IncludeScopes = true; o.IncludeFormattedMessage = true; });
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        // Request-start lines carry the full URL, and a hub client in a browser sends its token as ?access_token=:
        // keep them out of the logs whatever the configured level (traces carry requests, with the query redacted).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o => { o.IncludeScopes = true; o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        return builder;
    }
}
