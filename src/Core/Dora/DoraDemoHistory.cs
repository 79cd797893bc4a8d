using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Releases;

namespace OpsConsole.Core.Dora;

/// <summary>
/// A few weeks of past releases (versions 0.9.x) of the demo services and their deploys to dev,
/// staging and prod, with one prod rollback and one incident after a prod deploy, so the DORA page of
/// a fresh demo console is not empty. A release already stored is left alone, with its events; the
/// events are written as already delivered, so webhooks and live views do not replay history.
/// </summary>
public static class DoraDemoHistory
{
    public static readonly string[] Services = ["checkout", "catalog", "payments"];
    private static readonly string[] Environments = ["dev", "staging", "prod"];
    private static readonly int[] LeadHours = [5, 18, 30, 8, 52, 12, 26];
    private static readonly JsonEventFormatter Formatter = new(new JsonSerializerOptions(JsonSerializerDefaults.Web), new JsonDocumentOptions());
    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);

    /// <summary>How far back the history starts.</summary>
    public static readonly TimeSpan Span = TimeSpan.FromDays(35);

    public static async Task EnsureAsync(OpsDbContext db, EventSource source, DateTime now, CancellationToken ct = default)
    {
        var start = now.Date - Span;
        var nextIncident = await IncidentQueries.NextIdAsync(db, ct);
        for (var s = 0; s < Services.Length; s++)
        {
            var service = Services[s];
            var every = s switch { 0 => 2, 1 => 4, _ => 3 };
            var stored = (await db.Releases.AsNoTracking().Where(r => r.Service == service).Select(r => r.Version).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            string? previous = null;
            for (var n = 0; ; n++)
            {
                var commit = start.AddDays(n * every).AddHours(9 + s);
                var lead = TimeSpan.FromHours(LeadHours[(n + s) % LeadHours.Length]);
                var prodAt = commit + lead;
                if (prodAt > now - TimeSpan.FromHours(2)) break;
                var version = $"0.9.{n}";
                var rolledBack = service == "checkout" && n == 3;
                var incidentAfter = service == "payments" && n == 4;
                if (!stored.Contains(version))
                {
                    var sha = Sha(service + version);
                    db.Releases.Add(new Release
                    {
                        Service = service, Version = version, CommitSha = sha[..40], CommitTime = commit,
                        Changelog = $"Demo history: {service} {version}.", RegisteredBy = "ci", RegisteredAt = commit.AddMinutes(12),
                        BuildUrl = $"https://ci.example.com/{service}/builds/{900 + n}", ContentHash = Sha("demo-history|" + service + version),
                    });
                    for (var e = 0; e < Environments.Length; e++)
                    {
                        var environment = Environments[e];
                        var at = e == 2 ? prodAt : commit.AddMinutes(30 + (e * 60));
                        var rolloutId = Guid.CreateVersion7(new DateTimeOffset(at.AddMinutes(-10)));
                        var subject = $"{service}/{environment}";
                        Add(db, source, EventTypes.DeployStarted, subject, at.AddMinutes(-10), new
                        {
                            rolloutId, service, environment, version, revision = version, previousVersion = previous, strategy = "canary", by = "ci",
                        }, now);
                        if (e == 2 && rolledBack)
                        {
                            Add(db, source, EventTypes.RollbackExecuted, subject, at, new
                            {
                                rolloutId, service, environment, version, stableVersion = previous, reason = "error-rate 7.9% > 5%", trigger = "automatic",
                            }, now);
                            Add(db, source, EventTypes.DeployCompleted, subject, at, new { rolloutId, service, environment, version, outcome = "Aborted", reason = "error-rate 7.9% > 5%" }, now);
                            AddIncident(db, source, nextIncident++, service, environment, $"{service}/{environment}: {version} was rolled back", at.AddMinutes(1), at.AddMinutes(95), now);
                        }
                        else
                        {
                            Add(db, source, EventTypes.DeployCompleted, subject, at, new
                            {
                                rolloutId, service, environment, version, outcome = "Healthy", previousVersion = previous,
                            }, now);
                        }
                        if (e == 2 && incidentAfter)
                            AddIncident(db, source, nextIncident++, service, environment, $"{service}: card authorisations slow after {version}", at.AddHours(4), at.AddHours(7), now);
                    }
                }
                if (!rolledBack) previous = version;
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private static void AddIncident(OpsDbContext db, EventSource source, long id, string service, string environment, string title, DateTime opened, DateTime resolved, DateTime now)
    {
        var incident = new Incident
        {
            Id = id, Title = title, Severity = IncidentSeverity.Sev2, Status = IncidentStatus.Resolved, Origin = "manual",
            OpenedAt = opened, OpenedBy = "system", ResolvedAt = resolved, ResolvedBy = "system", UpdatedAt = resolved,
            Services = [new AffectedService { Service = service, Environment = environment }],
        };
        db.Incidents.Add(incident);
        var subject = $"{service}/{environment}";
        var data = new Dictionary<string, object?>
        {
            ["incidentId"] = id, ["title"] = title, ["severity"] = "SEV2", ["services"] = new[] { subject }, ["by"] = "system",
        };
        Add(db, source, EventTypes.IncidentOpened, subject, opened, new Dictionary<string, object?>(data) { ["status"] = "open", ["origin"] = "manual" }, now);
        Add(db, source, EventTypes.IncidentResolved, subject, resolved, new Dictionary<string, object?>(data) { ["status"] = "resolved" }, now);
    }

    private static void Add(OpsDbContext db, EventSource source, string type, string subject, DateTime time, object data, DateTime now)
    {
        var id = Guid.CreateVersion7(new DateTimeOffset(time)).ToString();
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = id, Type = type, Source = source.Uri, Subject = subject, Time = new DateTimeOffset(time),
            DataContentType = MediaTypeNames.Application.Json, Data = JsonSerializer.SerializeToElement(data, DataJson),
        };
        var body = Formatter.EncodeStructuredModeMessage(cloudEvent, out _);
        db.OutboxEvents.Add(new OutboxEvent
        {
            Id = id, Type = type, Source = source.Uri.ToString(), Subject = subject, Time = time, Actor = "ci", CorrelationId = "demo-history",
            CloudEventJson = Encoding.UTF8.GetString(body.Span), RelayedAt = now,
        });
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
