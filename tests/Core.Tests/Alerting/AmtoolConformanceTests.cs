using System.Diagnostics;
using OpsConsole.Core.Alerting;

namespace OpsConsole.Core.Tests.Alerting;

/// <summary>
/// Our route matching against Alertmanager's own: for a non-trivial tree and a corpus of label sets,
/// <c>amtool config routes test</c> (Debian's prometheus-alertmanager, installed by test.sh) must name
/// the same receivers in the same order.
/// </summary>
public sealed class AmtoolConformanceTests
{
    private const string Amtool = "/usr/bin/amtool";

    private const string Config = """
        route:
          receiver: default
          group_by: [alertname, service]
          routes:
            - matchers: ['service="checkout"']
              receiver: checkout
              continue: true
              routes:
                - matchers: ['severity="page"', 'environment="prod"']
                  receiver: checkout-pager
                - match_re: { severity: "warn(ing)?" }
                  receiver: checkout-tickets
            - match_re: { service: "pay.*|catalog" }
              receiver: shared
              routes:
                - matchers: ['environment!="prod"']
                  receiver: shared-nonprod
                  continue: true
                - matchers: ['team=~"db|storage"']
                  receiver: storage
            - matchers: ['severity=~"page|critical"', 'team!~"web.*"']
              receiver: pager
              continue: true
            - matchers: ['environment="prod"']
              receiver: prod-catchall
            - match: { team: web }
              receiver: web
        receivers:
          - name: default
          - name: checkout
          - name: checkout-pager
          - name: checkout-tickets
          - name: shared
          - name: shared-nonprod
          - name: storage
          - name: pager
          - name: prod-catchall
          - name: web
        """;

    private static IEnumerable<Dictionary<string, string>> Corpus()
    {
        string?[] services = ["checkout", "payments", "catalog", "search", null];
        string?[] severities = ["page", "warning", "warn", "info", null];
        string?[] environments = ["prod", "staging", null];
        string?[] teams = ["web", "webfront", "db", null];
        var i = 0;
        foreach (var s in services)
            foreach (var sev in severities)
                foreach (var env in environments)
                    foreach (var team in teams)
                    {
                        // a fixed stride through the 300 combinations keeps the run short but covers every value
                        if (i++ % 4 != 0) continue;
                        var labels = new Dictionary<string, string> { ["alertname"] = "A" };
                        if (s is not null) labels["service"] = s;
                        if (sev is not null) labels["severity"] = sev;
                        if (env is not null) labels["environment"] = env;
                        if (team is not null) labels["team"] = team;
                        yield return labels;
                    }
    }

    [Fact]
    public async Task Receivers_match_amtool_for_every_label_set_in_the_corpus()
    {
        Assert.True(File.Exists(Amtool), "amtool is missing: install Debian's prometheus-alertmanager (test.sh does).");
        var dir = Path.Combine(Path.GetTempPath(), "opsconsole-amtool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "alertmanager.yml");
            await File.WriteAllTextAsync(file, Config);
            var config = AlertmanagerYaml.Parse(Config);
            var compared = 0;
            var differences = new List<string>();
            foreach (var labels in Corpus())
            {
                var ours = string.Join(",", config.Match(labels).Select(m => m.Receiver));
                var theirs = await RunAmtoolAsync(file, labels);
                if (ours != theirs) differences.Add($"{string.Join(" ", labels.Select(p => $"{p.Key}={p.Value}"))}: ours {ours}, amtool {theirs}");
                compared++;
            }
            Assert.True(compared >= 70, $"only {compared} label sets compared");
            Assert.Empty(differences);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> RunAmtoolAsync(string file, Dictionary<string, string> labels)
    {
        var psi = new ProcessStartInfo(Amtool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("config");
        psi.ArgumentList.Add("routes");
        psi.ArgumentList.Add("test");
        psi.ArgumentList.Add("--config.file=" + file);
        foreach (var (k, v) in labels) psi.ArgumentList.Add($"{k}={v}");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"amtool failed: {await stderr}");
        return (await stdout).Trim();
    }
}
