using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Fatigue;

/// <summary>
/// Four weeks of past alerts, pages, incidents and silences for the demo services, so the
/// alert-fatigue assessment of a fresh demo console has something to judge: a flapping disk alert
/// that pages at night, a certificate alert nobody acknowledges, an error-rate alert with a pod
/// alert paging again for the same incident, a latency alert that pages once per instance, a long
/// silence and one renewed again and again. Every alert carries the label <c>demo="true"</c> and the
/// source <see cref="Source"/>; the history is written once (a store holding it is left alone), as
/// rows only: no events, so webhooks and live views do not replay it.
/// </summary>
public static class FatigueDemoHistory
{
    public const string Source = "demo-history";
    public const string Receiver = "oncall";
    public const string Policy = "Demo escalation";
    public const string Person = "admin";
    public static readonly TimeSpan Span = TimeSpan.FromDays(27);

    /// <summary>Writes the history unless the store holds it already; returns whether it wrote.</summary>
    public static async Task<bool> EnsureAsync(OpsDbContext db, DateTime now, CancellationToken ct = default)
    {
        if (await db.Alerts.AnyAsync(a => a.Source == Source, ct)) return false;
        var w = new Writer(db, await IncidentQueries.NextIdAsync(db, ct));
        var start = now.Date - Span;
        var acks = new[] { 4, 6, 9, 3, 22, 5 };
        var errorDays = new[] { 3, 9, 12, 17, 22, 25 };
        for (var d = 0; d < 27; d++)
        {
            var day = start.AddDays(d);
            if (day.AddDays(1) > now) break;
            var weekday = day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

            // Flapping, non-actionable, at night: pages, nobody acknowledges, gone within minutes.
            if (d % 2 == 0) w.Fire("DiskAlmostFull", "payments", null, day.AddHours(2).AddMinutes(15 + ((d % 4) * 7)), TimeSpan.FromMinutes(2 + (d % 3)), ack: null);
            if (d % 4 == 1) w.Fire("DiskAlmostFull", "payments", null, day.AddHours(22).AddMinutes(40), TimeSpan.FromMinutes(3), ack: null);

            // Every weekday at 10:00 for three hours, acknowledged once a week at most: a ticket, not a page.
            if (weekday) w.Fire("CertificateExpiresSoon", "catalog", null, day.AddHours(10), TimeSpan.FromHours(3), ack: d % 7 == 1 ? TimeSpan.FromMinutes(12) : null,
                runbook: "https://runbooks.example.com/certificates");

            // A real problem: error rate, an incident, and the pod alert paging again for it.
            var e = Array.IndexOf(errorDays, d);
            if (e >= 0)
            {
                var at = day.AddHours(e == 2 ? 3 : 14).AddMinutes(5);
                var incident = w.Incident("checkout", "prod", "checkout/prod: error rate above 5% (demo history)", at.AddMinutes(1), at.AddMinutes(40), at.AddMinutes(acks[e]));
                var high = w.Fire("HighErrorRate", "checkout", null, at, TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(acks[e]), "https://runbooks.example.com/high-error-rate", incident);
                var pod = w.Fire("PodRestarting", "checkout", null, at.AddMinutes(2), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(acks[e] + 1), null, incident);
                w.Link(incident, high, pod);
            }

            // One page per instance within a minute of each other: should have been grouped.
            if (d is 5 or 15 or 20)
                for (var i = 0; i < 3; i++)
                    w.Fire("LatencyHigh", "catalog", $"catalog-{i + 1}", day.AddHours(16).AddMinutes(30 + i), TimeSpan.FromMinutes(20), i == 0 ? TimeSpan.FromMinutes(7) : null,
                        "https://runbooks.example.com/latency");
        }

        w.Silence("{alertname=\"DiskAlmostFull\",service=\"payments\"}", start.AddDays(20).AddHours(2).AddMinutes(30), TimeSpan.FromHours(72), now,
            "Demo history: disk clean-up pending, silenced for three days.");
        for (var d = 8; d <= 10; d++)
            w.Silence("{alertname=\"CertificateExpiresSoon\"}", start.AddDays(d).AddHours(10).AddMinutes(5), TimeSpan.FromHours(8), now,
                "Demo history: certificate renewal waits for the vendor, silenced again.");
        await db.SaveChangesAsync(ct);
        return true;
    }

    private sealed class Writer(OpsDbContext db, long nextIncident)
    {
        private readonly Dictionary<string, StoredAlert> _alerts = new(StringComparer.Ordinal);
        private readonly Dictionary<long, Incident> _incidents = [];
        private int _pages;

        public StoredAlert Fire(string rule, string service, string? instance, DateTime at, TimeSpan lasts, TimeSpan? ack, string? runbook = null, long? incident = null)
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["alertname"] = rule, ["service"] = service, ["environment"] = "prod", ["severity"] = "critical", ["demo"] = "true",
            };
            if (instance is not null) labels["instance"] = instance;
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["summary"] = $"{rule} on {service}/prod (demo history)" };
            if (runbook is not null) annotations["runbook_url"] = runbook;
            var fp = AlertFingerprint.Compute(labels);
            var end = at + lasts;
            if (!_alerts.TryGetValue(fp, out var alert))
            {
                var labelsJson = JsonSerializer.Serialize(labels);
                var annotationsJson = JsonSerializer.Serialize(annotations);
                alert = new StoredAlert
                {
                    Fingerprint = fp, Name = rule, Service = service, Environment = "prod", LabelsJson = labelsJson, AnnotationsJson = annotationsJson,
                    Status = AlertStatus.Resolved, Source = Source, FirstSeenAt = at,
                    RawJson = JsonSerializer.Serialize(new { labels, annotations, status = "resolved" }),
                    SearchText = (labelsJson + " " + annotationsJson).ToLowerInvariant(),
                };
                _alerts[fp] = alert;
                db.Alerts.Add(alert);
            }
            alert.TimesFired++;
            alert.StartsAt = at;
            alert.EndsAt = end;
            alert.LastSeenAt = alert.UpdatedAt = end;
            db.AlertHistory.Add(new AlertHistoryEntry { Fingerprint = fp, At = at, Status = AlertStatus.Firing, StartsAt = at, Source = Source });
            db.AlertHistory.Add(new AlertHistoryEntry { Fingerprint = fp, At = end, Status = AlertStatus.Resolved, StartsAt = at, EndsAt = end, Source = Source });

            var created = at.AddSeconds(10);
            var acked = ack is { } a && created + a < end ? created + a : (DateTime?)null;
            var page = new Page
            {
                Id = Guid.CreateVersion7(new DateTimeOffset(created)), Receiver = Receiver, GroupKey = $"{Source}/{rule}/{++_pages}", Policy = Policy,
                Title = $"{rule} ({service})", Subject = $"{service}/prod", IncidentId = incident, Status = PageStatus.Resolved, Paged = Person,
                CreatedAt = created, AcknowledgedAt = acked, AcknowledgedBy = acked is null ? null : Person, ResolvedAt = end, Step = acked is null ? 2 : 3,
            };
            page.Fingerprints = [fp];
            db.Pages.Add(page);
            return alert;
        }

        public long Incident(string service, string environment, string title, DateTime opened, DateTime resolved, DateTime acknowledged)
        {
            var incident = new Incident
            {
                Id = nextIncident++, Title = title, Severity = IncidentSeverity.Sev2, Status = IncidentStatus.Resolved, Origin = "alert",
                OpenedAt = opened, OpenedBy = Source, AcknowledgedAt = acknowledged, AcknowledgedBy = Person, ResolvedAt = resolved, ResolvedBy = Person,
                UpdatedAt = resolved, Generation = 3, Commander = Person,
                Services = [new AffectedService { Service = service, Environment = environment }],
            };
            _incidents[incident.Id] = incident;
            db.Incidents.Add(incident);
            return incident.Id;
        }

        public void Link(long incident, params StoredAlert[] alerts)
        {
            var i = _incidents[incident];
            foreach (var a in alerts)
                i.Alerts.Add(new IncidentAlert { Fingerprint = a.Fingerprint, Name = a.Name, LabelsJson = a.LabelsJson, StartsAt = a.StartsAt, LinkedAt = i.OpenedAt });
        }

        public void Silence(string matchers, DateTime start, TimeSpan lasts, DateTime now, string comment)
        {
            var end = start + lasts;
            db.Silences.Add(new Silence
            {
                Matchers = LabelMatcher.Format(LabelMatcher.ParseList(matchers)), StartsAt = start, EndsAt = end, CreatedAt = start, CreatedBy = Person, Comment = comment,
                ExpiryAnnouncedAt = end <= now ? end : null,
            });
        }
    }
}
