using System.Diagnostics.Metrics;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// The local ingress's OpenTelemetry instruments (meter <c>OpsConsole.Ingress</c>), tagged with
/// <c>service</c>, <c>environment</c> and <c>revision</c>. Export them with
/// <c>AddMeter(IngressTelemetry.MeterName)</c>. The analysis does not scrape these: it reads the same
/// counts from the ingress's in-memory window through <see cref="IClusterAdapter.GetRevisionMetricsAsync"/>.
/// </summary>
public static class IngressTelemetry
{
    public const string MeterName = "OpsConsole.Ingress";
    public const string RequestsName = "opsconsole.ingress.requests";
    public const string ServerErrorsName = "opsconsole.ingress.server_errors";
    public const string DurationName = "opsconsole.ingress.request.duration";

    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Requests =
        Meter.CreateCounter<long>(RequestsName, "{request}", "Requests the ingress forwarded to a revision.");

    public static readonly Counter<long> ServerErrors =
        Meter.CreateCounter<long>(ServerErrorsName, "{request}", "Requests to a revision answered with a 5xx status.");

    public static readonly Histogram<double> Duration = Meter.CreateHistogram(DurationName, "s",
        "Time from the request reaching the ingress to the answer, per revision.",
        tags: null,
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    internal static KeyValuePair<string, object?>[] TagsFor(ServiceEnvironment target, string revision) =>
    [
        new("service", target.Service),
        new("environment", target.Environment),
        new("revision", revision),
    ];
}
