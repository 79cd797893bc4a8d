using System.Globalization;
using OpsConsole.Core.Cluster.Local;
using YamlDotNet.Serialization;

namespace OpsConsole.Core.Slo;

/// <summary>
/// SLOs as Prometheus recording and alerting rules (a rule file for <c>rule_files:</c>), for teams
/// that alert in Prometheus: per SLO the bad-event ratio recorded over each window of the workbook's
/// rules, and one alert per rule that fires when both its windows burn at least its rate. The
/// expressions read the metrics the console's ingress exports on <c>/metrics</c>
/// (<see cref="IngressTelemetry"/> with OpenTelemetry's Prometheus names).
/// </summary>
public static class SloPrometheusRules
{
    public const string RequestsMetric = "opsconsole_ingress_requests_total";
    public const string ErrorsMetric = "opsconsole_ingress_server_errors_total";
    public const string DurationBucketMetric = "opsconsole_ingress_request_duration_seconds_bucket";
    public const string DurationCountMetric = "opsconsole_ingress_request_duration_seconds_count";

    /// <summary>The recorded bad-event ratio over a window, e.g. <c>slo:sli_error:ratio_rate5m</c> (labels service, environment, slo).</summary>
    public static string RecordName(TimeSpan window) => $"slo:sli_error:ratio_rate{SloMeter.Label(window)}";

    public static string ToYaml(IEnumerable<ServiceLevelObjective> slos, Func<string, string?>? runbookUrl = null)
    {
        var groups = new List<object>();
        foreach (var slo in slos.OrderBy(s => s.Id))
            groups.Add(Group(slo, runbookUrl?.Invoke(slo.Service)));
        var doc = new Dictionary<string, object> { ["groups"] = groups };
        return new SerializerBuilder().Build().Serialize(doc);
    }

    /// <summary>The static summary an alert of this rule carries in Prometheus (the numbers are the rule's, not the moment's).</summary>
    public static string Summary(ServiceLevelObjective slo, BurnRateRule rule) => string.Create(CultureInfo.InvariantCulture,
        $"{slo.Target} {slo.Describe()}: error budget burning at least {rule.BurnRate:0.##}× over {SloMeter.Label(rule.LongWindow)} and {SloMeter.Label(rule.ShortWindow)} " +
        $"({rule.BudgetConsumed(slo.Window) * 100:0.#}% of the {slo.WindowDays} d budget in {SloMeter.Label(rule.LongWindow)}).");

    private static Dictionary<string, object> Group(ServiceLevelObjective slo, string? runbook)
    {
        var id = slo.Id.ToString(CultureInfo.InvariantCulture);
        var sloLabels = new Dictionary<string, string> { ["service"] = slo.Service, ["environment"] = slo.Environment, ["slo"] = id };
        var rules = new List<object>();
        foreach (var w in BurnRateRule.Workbook.SelectMany(r => new[] { r.ShortWindow, r.LongWindow }).Distinct().Order())
        {
            rules.Add(new Dictionary<string, object>
            {
                ["record"] = RecordName(w),
                ["expr"] = Ratio(slo, w),
                ["labels"] = new Dictionary<string, string>(sloLabels),
            });
        }
        var selector = $"{{slo=\"{id}\",service=\"{slo.Service}\",environment=\"{slo.Environment}\"}}";
        foreach (var rule in BurnRateRule.Workbook)
        {
            var threshold = rule.ErrorRatioThreshold(slo.Objective).ToString("0.##########", CultureInfo.InvariantCulture);
            var labels = new Dictionary<string, string>(sloLabels) { ["rule"] = rule.Name, ["severity"] = SloBurnEvaluator.Severity(rule) };
            var annotations = new Dictionary<string, string> { ["summary"] = Summary(slo, rule) };
            if (runbook is not null) annotations["runbook_url"] = runbook;
            rules.Add(new Dictionary<string, object>
            {
                ["alert"] = SloAlerts.BurnRate,
                ["expr"] = $"{RecordName(rule.LongWindow)}{selector} > {threshold} and {RecordName(rule.ShortWindow)}{selector} > {threshold}",
                ["labels"] = labels,
                ["annotations"] = annotations,
            });
        }
        return new Dictionary<string, object>
        {
            ["name"] = $"slo-{id}-{slo.Service}-{slo.Environment}-{slo.Kind.ToString().ToLowerInvariant()}",
            ["rules"] = rules,
        };
    }

    /// <summary>The bad-event ratio over a window: 5xx over all requests, or the requests above the latency bucket over all measured.</summary>
    public static string Ratio(ServiceLevelObjective slo, TimeSpan window)
    {
        var sel = $"service=\"{slo.Service}\",environment=\"{slo.Environment}\"";
        var range = SloMeter.Label(window);
        if (slo.Kind == SloKind.Availability)
            return $"(sum(rate({ErrorsMetric}{{{sel}}}[{range}])) or vector(0)) / sum(rate({RequestsMetric}{{{sel}}}[{range}]))";
        var le = (slo.LatencyMs!.Value / 1000).ToString("0.######", CultureInfo.InvariantCulture);
        return $"1 - (sum(rate({DurationBucketMetric}{{{sel},le=\"{le}\"}}[{range}])) / sum(rate({DurationCountMetric}{{{sel}}}[{range}])))";
    }
}
