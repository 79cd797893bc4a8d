using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Incidents;

/// <summary>A real store with the incident desk over a fake clock, and fakes for the runbook matcher and the alert lookup.</summary>
public sealed class IncidentTestKit : IAsyncDisposable
{
    public static readonly Actor Olga = new("olga", new HashSet<string> { Roles.OnCall }, "corr-i");
    public static readonly Actor Ada = new("ada", new HashSet<string> { Roles.Admin }, "corr-a");
    public static readonly Actor Vera = new("vera", new HashSet<string> { Roles.Viewer }, "corr-v");
    public static readonly Actor Rita = new("rita", new HashSet<string> { Roles.ReleaseManager }, "corr-r");

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    public FakeRunbooks Runbooks { get; } = new();
    public FakeAlerts Alerts { get; } = new();
    public TestStore Store { get; private set; } = default!;

    public static async Task<IncidentTestKit> CreateAsync(bool withFakes = true)
    {
        var kit = new IncidentTestKit();
        kit.Store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(kit.Clock);
            s.AddIncidents(IncidentSettings.Default);
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
            if (withFakes)
            {
                s.AddSingleton<IRunbookMatcher>(kit.Runbooks);
                s.AddSingleton<IAlertLookup>(kit.Alerts);
            }
        });
        return kit;
    }

    public DateTime Now => Clock.GetUtcNow().UtcDateTime;

    /// <summary>Runs one desk operation in its own scope (as a request does).</summary>
    public async Task<T> DeskAsync<T>(Func<IncidentDesk, Task<T>> work)
    {
        await using var scope = Store.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IncidentDesk>());
    }

    public Task<Incident> OpenAsync(string title = "Checkout errors", string severity = "SEV2", params string[] services) =>
        DeskAsync(d => d.OpenAsync(Olga, title, severity, services.Length == 0 ? ["checkout/prod"] : services));

    public async Task<Incident> LoadAsync(long id)
    {
        await using var db = Store.NewContext();
        return (await IncidentQueries.LoadAsync(db, id))!;
    }

    public async Task<IReadOnlyList<TimelineEntry>> TimelineAsync(long id)
    {
        await using var db = Store.NewContext();
        return await IncidentTimeline.BuildAsync(db, (await IncidentQueries.LoadAsync(db, id))!);
    }

    /// <summary>Writes an event through the outbox as a capability does, stored at <paramref name="at"/>.</summary>
    public async Task<OutboxEvent> EventAsync(string type, string subject, object data, DateTime at, string actor = "system")
    {
        await using var db = Store.NewContext();
        var outbox = Store.Services.GetRequiredService<EventOutbox>();
        var row = outbox.Add(db, new Actor(actor, new HashSet<string>(), "corr-e"), type, subject, data);
        row.Time = at;
        await db.SaveChangesAsync();
        return row;
    }

    public Task<int> CountAsync<T>() where T : class => WithDbAsync(db => db.Set<T>().CountAsync());

    public async Task<T> WithDbAsync<T>(Func<OpsDbContext, Task<T>> work)
    {
        await using var db = Store.NewContext();
        return await work(db);
    }

    public static AlertSnapshot Alert(string fingerprint = "fp-1", string service = "checkout", string env = "prod", string name = "HighErrorRate") => new(
        fingerprint,
        new Dictionary<string, string> { ["alertname"] = name, ["service"] = service, ["environment"] = env, ["severity"] = "page" },
        new Dictionary<string, string> { ["summary"] = "5xx above 5%" },
        AlertStatus.Firing, new DateTime(2026, 11, 28, 11, 50, 0, DateTimeKind.Utc), null, null);

    public async ValueTask DisposeAsync() => await Store.DisposeAsync();

    public sealed class FakeRunbooks : IRunbookMatcher
    {
        public List<(string Label, string Value, RunbookReference Runbook)> Rules { get; } = [];
        public int Calls { get; private set; }
        public bool Fail { get; set; }

        public Task<IReadOnlyList<RunbookReference>> ForAlertLabelsAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
        {
            Calls++;
            if (Fail) throw new InvalidOperationException("runbook index down");
            return Task.FromResult<IReadOnlyList<RunbookReference>>(Rules
                .Where(r => labels.TryGetValue(r.Label, out var v) && v == r.Value).Select(r => r.Runbook).ToList());
        }
    }

    public sealed class FakeAlerts : IAlertLookup
    {
        public Dictionary<string, AlertSnapshot> Stored { get; } = [];
        public Task<AlertSnapshot?> FindAsync(string fingerprint, CancellationToken ct) => Task.FromResult(Stored.GetValueOrDefault(fingerprint));
    }
}
