using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Releases;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Dora;

/// <summary>Writes releases and deploy, rollback and incident events at chosen times, as the capabilities store them.</summary>
public sealed class DoraHistory(TestStore store)
{
    private static readonly Actor Ci = new("ci", new HashSet<string>(), "corr-dora");
    private readonly List<Action<OpsDbContext>> _writes = [];

    public static DateTime At(int day, int hour = 0, int minute = 0) => new(2026, 11, day, hour, minute, 0, DateTimeKind.Utc);

    public DoraHistory Release(string service, string version, DateTime commit)
    {
        _writes.Add(db => db.Releases.Add(new Release
        {
            Service = service, Version = version, CommitSha = new string('a', 40), CommitTime = commit, RegisteredBy = "ci",
            RegisteredAt = commit, ContentHash = Guid.NewGuid().ToString("N"),
        }));
        return this;
    }

    public DoraHistory Deployed(string service, string environment, string version, DateTime at, string outcome = "Healthy", string? rolloutId = null, bool drill = false) =>
        Event(EventTypes.DeployCompleted, $"{service}/{environment}", at, drill
            ? new { rolloutId = rolloutId ?? Guid.NewGuid().ToString(), service, environment, version, outcome, drill = true }
            : new { rolloutId = rolloutId ?? Guid.NewGuid().ToString(), service, environment, version, outcome });

    /// <summary>A rollout that rolled back: its rollback.executed and its deploy.completed, written together as the engine does.</summary>
    public DoraHistory RolledBack(string service, string environment, string version, DateTime at, bool drill = false)
    {
        var rolloutId = Guid.NewGuid().ToString();
        Event(EventTypes.RollbackExecuted, $"{service}/{environment}", at, drill
            ? new { rolloutId, service, environment, version, trigger = "automatic", drill = true }
            : new { rolloutId, service, environment, version, trigger = "automatic" });
        return Deployed(service, environment, version, at, "Aborted", rolloutId, drill);
    }

    public DoraHistory IncidentOpened(long id, DateTime at, params string[] services) =>
        Event(EventTypes.IncidentOpened, services[0], at, new { incidentId = id, title = "t", services, status = "open" });

    public DoraHistory IncidentResolved(long id, DateTime at, string subject) =>
        Event(EventTypes.IncidentResolved, subject, at, new { incidentId = id, status = "resolved" });

    public DoraHistory Event(string type, string subject, DateTime at, object data)
    {
        _writes.Add(db =>
        {
            var row = store.Services.GetRequiredService<EventOutbox>().Add(db, Ci, type, subject, data);
            row.Time = at;
        });
        return this;
    }

    public async Task SaveAsync()
    {
        await using var db = store.NewContext();
        foreach (var w in _writes) w(db);
        await db.SaveChangesAsync();
        _writes.Clear();
    }
}
