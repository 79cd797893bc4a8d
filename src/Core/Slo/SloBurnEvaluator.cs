using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Slo;

/// <summary>What one evaluation pass did: the burn-rate alerts firing after it, and how many changed state.</summary>
public sealed record SloEvaluation(int Slos, IReadOnlyList<string> Firing, int Raised, int Resolved);

/// <summary>
/// Applies <see cref="BurnRateRule.Workbook"/> to every SLO and raises or resolves its burn-rate
/// alerts through the console's own alert pipeline (source <c>slo</c>), so they route, page and open
/// incidents like any other alert. An alert still firing is posted again unchanged in its labels: the
/// pipeline only moves its "last seen" (and its summary), it neither opens a new alert nor pages again.
/// </summary>
public sealed class SloBurnEvaluator(OpsDbContext db, SloMeter meter, AlertIngestion ingestion, TimeProvider clock, SloUpdates? updates = null)
{
    public const string Source = "slo";

    /// <summary>How often the console evaluates the rules (the workbook's short windows are 5 minutes and more).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    public async Task<SloEvaluation> EvaluateAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var slos = await db.Slos.AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct);
        var runbooks = (await db.ServiceProfiles.AsNoTracking().ToListAsync(ct))
            .ToDictionary(p => p.Service, p => p.Runbooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(), StringComparer.Ordinal);
        var firing = new List<RaisedAlert>();
        var firingKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slo in slos)
        {
            var windows = new Dictionary<TimeSpan, SloWindowBurn>();
            foreach (var w in BurnRateRule.Workbook.SelectMany(r => new[] { r.LongWindow, r.ShortWindow }).Distinct())
                windows[w] = await meter.BurnAsync(slo, w, now, ct);
            double? budget = null;
            foreach (var rule in BurnRateRule.Workbook)
            {
                var longBurn = windows[rule.LongWindow];
                var shortBurn = windows[rule.ShortWindow];
                if (longBurn.ErrorRatio is not { } lr || shortBurn.ErrorRatio is not { } sr || !rule.Fires(slo.Objective, lr, sr)) continue;
                // A rule judges only once the history reaches back past its short window. Just after the
                // console or its workloads start, the minute stored would stand for the whole long window,
                // and the first requests of starting instances (5xx until one is ready) would page for every service.
                var (_, before) = await meter.CountAsync(slo, now - rule.LongWindow, now - rule.ShortWindow, ct);
                if (before == 0) continue;
                if (budget is null)
                {
                    var (bad, total) = await meter.CountAsync(slo, now - slo.Window, now, ct);
                    budget = ErrorBudget.Remaining(slo.Objective, bad, total);
                }
                var labels = Labels(slo, rule);
                var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["summary"] = Summary(slo, rule, longBurn.BurnRate!.Value, shortBurn.BurnRate!.Value, budget.Value),
                };
                if (runbooks.TryGetValue(slo.Service, out var slug) && slug is not null) annotations["runbook_url"] = $"/runbooks/{slug}";
                firing.Add(new RaisedAlert(labels, annotations, Firing: true));
                firingKeys.Add(Key(slo.Id.ToString(CultureInfo.InvariantCulture), rule.Name));
            }
        }

        // Resolve what fires in the store but no longer here (the burn stopped, or the SLO was deleted).
        var stored = await db.Alerts.AsNoTracking().Where(a => a.Name == SloAlerts.BurnRate && a.Source == Source && a.Status == AlertStatus.Firing).ToListAsync(ct);
        var resolved = new List<RaisedAlert>();
        var alreadyFiring = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in stored)
        {
            var labels = a.Labels;
            var key = Key(labels.GetValueOrDefault("slo") ?? "", labels.GetValueOrDefault("rule") ?? "");
            if (firingKeys.Contains(key)) alreadyFiring.Add(key);
            else resolved.Add(new RaisedAlert(labels, a.Annotations, Firing: false));
        }
        var all = firing.Concat(resolved).ToList();
        if (all.Count > 0) await ingestion.RaiseAsync(Actor.System("slo-burn"), Source, all, ct);
        if (all.Count > 0 || slos.Count > 0) updates?.Publish(0);
        return new SloEvaluation(slos.Count, firingKeys.Order(StringComparer.Ordinal).ToList(), firingKeys.Count - alreadyFiring.Count, resolved.Count);
    }

    /// <summary>The labels of an SLO's burn-rate alert for one rule: alertname, service, environment, slo, rule, severity.</summary>
    public static Dictionary<string, string> Labels(ServiceLevelObjective slo, BurnRateRule rule) => new(StringComparer.Ordinal)
    {
        ["alertname"] = SloAlerts.BurnRate,
        ["service"] = slo.Service,
        ["environment"] = slo.Environment,
        ["slo"] = slo.Id.ToString(CultureInfo.InvariantCulture),
        ["rule"] = rule.Name,
        ["severity"] = Severity(rule),
    };

    /// <summary>page or ticket: the value of the <c>severity</c> label that routes decide on.</summary>
    public static string Severity(BurnRateRule rule) => rule.Severity == BurnRateSeverity.Page ? "page" : "ticket";

    /// <summary>"checkout/prod availability 99.9%: error budget burning 15.2× over 1h and 16.0× over 5m (fast-burn at 14.4×); 87% of the 30 d budget left."</summary>
    public static string Summary(ServiceLevelObjective slo, BurnRateRule rule, double longBurn, double shortBurn, double budgetRemaining) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{slo.Target} {slo.Describe()}: error budget burning {longBurn:0.0}× over {SloMeter.Label(rule.LongWindow)} and {shortBurn:0.0}× over {SloMeter.Label(rule.ShortWindow)} " +
            $"({rule.Name} at {rule.BurnRate:0.##}×); {Math.Max(0, budgetRemaining) * 100:0}% of the {slo.WindowDays} d budget left.");

    private static string Key(string slo, string rule) => slo + "/" + rule;
}
