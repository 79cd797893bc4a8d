using System.Diagnostics;
using OpsConsole.Core.Slo;
using YamlDotNet.Serialization;

namespace OpsConsole.Core.Tests.Slo;

/// <summary>The SLO rule file against the real promtool: it passes <c>promtool check rules</c>, and its alerts fire over a recorded series in <c>promtool test rules</c>.</summary>
public sealed class PrometheusRulesTests : IDisposable
{
    private const string Promtool = "/usr/bin/promtool";
    private readonly string dir = Directory.CreateTempSubdirectory("slo-rules-").FullName;

    private static readonly ServiceLevelObjective Availability = new()
    {
        Id = 1, Service = "checkout", Environment = "prod", Kind = SloKind.Availability, Objective = 0.999, CreatedBy = "rita",
    };

    private static readonly ServiceLevelObjective Latency = new()
    {
        Id = 2, Service = "checkout", Environment = "prod", Kind = SloKind.Latency, Objective = 0.99, LatencyMs = 250, CreatedBy = "rita",
    };

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Output) Run(string workDir, params string[] args)
    {
        var start = new ProcessStartInfo(Promtool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "promtool finished within a minute");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void The_rule_file_names_the_ingress_metrics_and_every_workbook_rule()
    {
        var yaml = SloPrometheusRules.ToYaml([Availability, Latency], s => $"http://console.test/runbooks/{s}-errors");
        Assert.Contains("opsconsole_ingress_server_errors_total{service=\"checkout\",environment=\"prod\"}[5m]", yaml);
        Assert.Contains("opsconsole_ingress_request_duration_seconds_bucket{service=\"checkout\",environment=\"prod\",le=\"0.25\"}[1h]", yaml);
        Assert.Contains("record: slo:sli_error:ratio_rate3d", yaml);
        Assert.Contains("slo:sli_error:ratio_rate1h{slo=\"1\",service=\"checkout\",environment=\"prod\"} > 0.0144 and slo:sli_error:ratio_rate5m{slo=\"1\",service=\"checkout\",environment=\"prod\"} > 0.0144", yaml);
        Assert.Contains("runbook_url: http://console.test/runbooks/checkout-errors", yaml);
        Assert.Equal(2 * 3, yaml.Split("alert: SloBurnRate").Length - 1);
    }

    [Fact]
    public void Promtool_checks_the_rule_file()
    {
        File.WriteAllText(Path.Combine(dir, "slo.rules.yml"), SloPrometheusRules.ToYaml([Availability, Latency], _ => "http://console.test/runbooks/high-error-rate"));
        var (code, output) = Run(dir, "check", "rules", "slo.rules.yml");
        Assert.True(code == 0, output);
        // Five recording rules (one per window) and three alerts per SLO.
        Assert.Contains("SUCCESS: 16 rules found", output);
    }

    [Fact]
    public void Promtool_fires_the_burn_rate_alerts_over_a_recorded_series_and_stays_quiet_over_a_clean_one()
    {
        File.WriteAllText(Path.Combine(dir, "slo.rules.yml"), SloPrometheusRules.ToYaml([Availability, Latency]));
        const string Sel = "{service=\"checkout\",environment=\"prod\",revision=\"r1\"}";
        object Series(string name, string values) => new Dictionary<string, object> { ["series"] = name + Sel, ["values"] = values };
        Dictionary<string, object> Expected(BurnRateRule rule) => new()
        {
            ["exp_labels"] = new Dictionary<string, string>
            {
                ["alertname"] = SloAlerts.BurnRate, ["service"] = "checkout", ["environment"] = "prod", ["slo"] = "1", ["rule"] = rule.Name,
                ["severity"] = SloBurnEvaluator.Severity(rule),
            },
            ["exp_annotations"] = new Dictionary<string, string> { ["summary"] = SloPrometheusRules.Summary(Availability, rule) },
        };
        var test = new Dictionary<string, object>
        {
            ["rule_files"] = new[] { "slo.rules.yml" },
            ["evaluation_interval"] = "1m",
            ["tests"] = new object[]
            {
                // 1000 requests a minute, 2% of them 5xx for 70 minutes: every window burns 20×, so
                // all three rules fire (a 2% error ratio is above 14.4×, 6× and 1× of a 0.1% budget).
                new Dictionary<string, object>
                {
                    ["interval"] = "1m",
                    ["input_series"] = new[] { Series(SloPrometheusRules.RequestsMetric, "0+1000x80"), Series(SloPrometheusRules.ErrorsMetric, "0+20x80") },
                    ["alert_rule_test"] = new object[]
                    {
                        new Dictionary<string, object> { ["eval_time"] = "70m", ["alertname"] = SloAlerts.BurnRate, ["exp_alerts"] = BurnRateRule.Workbook.Select(Expected).ToArray() },
                    },
                },
                // The same traffic without errors: nothing fires.
                new Dictionary<string, object>
                {
                    ["interval"] = "1m",
                    ["input_series"] = new[] { Series(SloPrometheusRules.RequestsMetric, "0+1000x80"), Series(SloPrometheusRules.ErrorsMetric, "0+0x80") },
                    ["alert_rule_test"] = new object[]
                    {
                        new Dictionary<string, object> { ["eval_time"] = "70m", ["alertname"] = SloAlerts.BurnRate, ["exp_alerts"] = Array.Empty<object>() },
                    },
                },
            },
        };
        File.WriteAllText(Path.Combine(dir, "slo.test.yml"), new SerializerBuilder().Build().Serialize(test));
        var (code, output) = Run(dir, "test", "rules", "slo.test.yml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output);

        // The test can fail: expecting no alert where they fire is reported as a failure.
        var wrong = File.ReadAllText(Path.Combine(dir, "slo.test.yml")).Replace("0+20x80", "0+0x80", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(dir, "slo.wrong.yml"), wrong);
        var (wrongCode, _) = Run(dir, "test", "rules", "slo.wrong.yml");
        Assert.NotEqual(0, wrongCode);
    }
}
