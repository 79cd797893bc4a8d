using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OpsConsole.Console.Hosting;

/// <summary>The console's own trace source and meter names (exported with OpenTelemetry).</summary>
public static class ConsoleTelemetry
{
    public const string SourceName = "OpsConsole";
    public const string MeterName = "OpsConsole";
    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(MeterName);
}

public static class MeterProviderExtensions
{
    /// <summary>Process-level .NET runtime metrics come from the built-in System.Runtime meter (.NET 9+).</summary>
    public static OpenTelemetry.Metrics.MeterProviderBuilder AddRuntimeInstrumentationIfAvailable(this OpenTelemetry.Metrics.MeterProviderBuilder builder) =>
        builder.AddMeter("System.Runtime");
}
