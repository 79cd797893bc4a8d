using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Slo;

/// <summary>An SLO as it is submitted: <c>{"service","environment","kind":"availability"|"latency","objective":0.999,"windowDays":30,"latencyMs"}</c>.</summary>
public sealed record SloRequest(string? Service, string? Environment, string? Kind, double? Objective, int? WindowDays = null, double? LatencyMs = null);

/// <summary>
/// The SLOs: created and deleted by a ReleaseManager, Facilitator or Admin (audited, announced as
/// <c>slo.created</c> / <c>slo.deleted</c>), read by everyone. An SLO names a service and environment
/// the console deploys (a deploy target of the service catalogue).
/// </summary>
public sealed class SloCatalog(OpsDbContext db, EventOutbox outbox, TimeProvider clock, SloUpdates? updates = null)
{
    public const int MaxSlos = 500;
    public const int MaxWindowDays = 90;

    /// <summary>The highest objective: five nines.</summary>
    public const double MaxObjective = 0.99999;

    public static readonly string[] EditorRoles = [Roles.ReleaseManager, Roles.Facilitator, Roles.Admin];

    public async Task<IReadOnlyList<ServiceLevelObjective>> ListAsync(string? service = null, string? environment = null, CancellationToken ct = default)
    {
        var q = db.Slos.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(service)) q = q.Where(s => s.Service == service.Trim());
        if (!string.IsNullOrWhiteSpace(environment)) q = q.Where(s => s.Environment == environment.Trim());
        return await q.OrderBy(s => s.Service).ThenBy(s => s.Environment).ThenBy(s => s.Id).ToListAsync(ct);
    }

    public async Task<ServiceLevelObjective> GetAsync(long id, CancellationToken ct = default) =>
        await db.Slos.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException($"SLO {id}");

    public async Task<ServiceLevelObjective> CreateAsync(Actor actor, SloRequest request, CancellationToken ct = default)
    {
        actor.Require("create SLOs", EditorRoles);
        var slo = Validate(request);
        slo.CreatedBy = actor.Name;
        slo.CreatedAt = clock.GetUtcNow().UtcDateTime;
        if (!await db.DeployTargets.AnyAsync(t => t.Service == slo.Service && t.Environment == slo.Environment, ct))
        {
            var known = await db.DeployTargets.Select(t => t.Service + "/" + t.Environment).ToListAsync(ct);
            throw new InvalidInputException("service", $"The console deploys no {slo.Service}/{slo.Environment} (known: {(known.Count == 0 ? "none" : string.Join(", ", known.Order(StringComparer.Ordinal)))}).");
        }
        if (await db.Slos.AnyAsync(s => s.Service == slo.Service && s.Environment == slo.Environment && s.Kind == slo.Kind
                                        && s.Objective == slo.Objective && s.LatencyMs == slo.LatencyMs && s.WindowDays == slo.WindowDays, ct))
            throw new ConflictException($"{slo.Service}/{slo.Environment} already has the SLO {slo.Describe()} over {slo.WindowDays} days.");
        if (await db.Slos.CountAsync(ct) >= MaxSlos) throw new ConflictException($"There are already {MaxSlos} SLOs: delete unused ones first.");
        // One transaction: the id the insert assigns names the audit target and the event.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Slos.Add(slo);
        await db.SaveChangesAsync(ct);
        AuditTrail.Record(db, actor, "slo.create", $"slo/{slo.Id}", after: Summary(slo));
        outbox.Add(db, actor, EventTypes.SloCreated, slo.Target.ToString(), Data(slo));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        updates?.Publish(slo.Id);
        return slo;
    }

    public async Task DeleteAsync(Actor actor, long id, CancellationToken ct = default)
    {
        actor.Require("delete SLOs", EditorRoles);
        var slo = await db.Slos.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException($"SLO {id}");
        db.Slos.Remove(slo);
        AuditTrail.Record(db, actor, "slo.delete", $"slo/{slo.Id}", before: Summary(slo));
        outbox.Add(db, actor, EventTypes.SloDeleted, slo.Target.ToString(), Data(slo));
        await db.SaveChangesAsync(ct);
        updates?.Publish(slo.Id);
    }

    /// <summary>The burn-rate alerts of an SLO that fire now (raised by the evaluator), by rule.</summary>
    public async Task<IReadOnlyList<Alerting.StoredAlert>> FiringAlertsAsync(long id, CancellationToken ct = default)
    {
        var key = id.ToString(CultureInfo.InvariantCulture);
        var firing = await db.Alerts.AsNoTracking()
            .Where(a => a.Name == SloAlerts.BurnRate && a.Source == SloBurnEvaluator.Source && a.Status == Alerting.AlertStatus.Firing).ToListAsync(ct);
        return firing.Where(a => a.Labels.GetValueOrDefault("slo") == key).OrderBy(a => a.Labels.GetValueOrDefault("rule")).ToList();
    }

    /// <summary>The first runbook of each service in the catalogue that names one.</summary>
    public async Task<IReadOnlyDictionary<string, string>> RunbooksAsync(CancellationToken ct = default) =>
        (await db.ServiceProfiles.AsNoTracking().ToListAsync(ct))
        .Select(p => (p.Service, Slug: p.Runbooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()))
        .Where(p => p.Slug is not null).ToDictionary(p => p.Service, p => p.Slug!, StringComparer.Ordinal);

    /// <summary>Checks a request without the store: names, kind, objective, window and latency threshold.</summary>
    public static ServiceLevelObjective Validate(SloRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        var service = r.Service?.Trim() ?? "";
        var environment = r.Environment?.Trim() ?? "";
        if (service.Length == 0) errors["service"] = ["A service is required."];
        if (environment.Length == 0) errors["environment"] = ["An environment is required."];
        SloKind kind = default;
        if (string.IsNullOrWhiteSpace(r.Kind)) errors["kind"] = ["A kind is required: availability or latency."];
        else if (!Enum.TryParse(r.Kind.Trim(), ignoreCase: true, out kind) || !Enum.IsDefined(kind) || r.Kind.Trim().All(char.IsAsciiDigit))
            errors["kind"] = [$"'{Short(r.Kind)}' is not a kind: availability or latency."];
        if (r.Objective is not { } objective) errors["objective"] = ["An objective is required, e.g. 0.999 for 99.9%."];
        else if (double.IsNaN(objective) || objective <= 0.5 || objective >= 1)
            errors["objective"] = ["The objective is a share of good events above 0.5 and below 1, e.g. 0.999."];
        else if (objective > MaxObjective + 1e-12)
            errors["objective"] = ["At most five nines (0.99999): a higher objective leaves a budget no window can measure."];
        var windowDays = r.WindowDays ?? 30;
        if (windowDays is < 1 or > MaxWindowDays) errors["windowDays"] = [$"The window is 1 to {MaxWindowDays} days."];
        double? latency = null;
        if (kind == SloKind.Latency && !errors.ContainsKey("kind"))
        {
            var allowed = string.Join(", ", MetricBounds.LatencyBoundsMs.Select(b => b.ToString(CultureInfo.InvariantCulture)));
            if (r.LatencyMs is not { } ms) errors["latencyMs"] = [$"A latency SLO needs latencyMs, one of {allowed}."];
            else if (!MetricBounds.LatencyBoundsMs.Contains(ms)) errors["latencyMs"] = [$"latencyMs must be one of {allowed} (the history counts requests under these bounds)."];
            else latency = ms;
        }
        else if (r.LatencyMs is not null && !errors.ContainsKey("kind"))
        {
            errors["latencyMs"] = ["Only a latency SLO has latencyMs."];
        }
        if (errors.Count == 0)
        {
            try { _ = new ServiceEnvironment(service, environment); }
            catch (InvalidInputException e)
            {
                foreach (var (k, v) in e.Errors) errors[k] = v;
            }
        }
        if (errors.Count > 0) throw new InvalidInputException(string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        return new ServiceLevelObjective
        {
            Service = service, Environment = environment, Kind = kind, Objective = r.Objective!.Value, WindowDays = windowDays, LatencyMs = latency, CreatedBy = "",
        };
    }

    private static object Summary(ServiceLevelObjective s) => new { s.Service, s.Environment, Kind = s.Kind.ToString(), s.Objective, s.WindowDays, s.LatencyMs };

    private static object Data(ServiceLevelObjective s) => new
    {
        sloId = s.Id, service = s.Service, environment = s.Environment, kind = s.Kind.ToString().ToLowerInvariant(), objective = s.Objective,
        windowDays = s.WindowDays, latencyMs = s.LatencyMs, description = s.Describe(),
    };

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
