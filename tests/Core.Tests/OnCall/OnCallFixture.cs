using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.OnCall;

/// <summary>A real store with on-call services around it; time, timers, messages and incidents are recorded fakes.</summary>
public sealed class OnCallFixture : IAsyncDisposable
{
    public static readonly Actor Admin = new("root", new HashSet<string>(Roles.All), "corr-admin");
    public static readonly Actor Viewer = new("vic", new HashSet<string> { Roles.Viewer }, "corr-viewer");

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public RecordingTimer Timer { get; } = new();
    public RecordingMessenger Messenger { get; } = new();
    public RecordingIntake? Intake { get; }
    public TestStore Store { get; private set; } = null!;

    private OnCallFixture(bool withIntake) => Intake = withIntake ? new RecordingIntake() : null;

    /// <summary>With <paramref name="egress"/> the real messenger sends (webhooks through that policy, email by the options' mail server).</summary>
    public static async Task<OnCallFixture> CreateAsync(bool withIntake = false, OnCallOptions? options = null, OpsConsole.Core.Egress.EgressPolicy? egress = null)
    {
        var f = new OnCallFixture(withIntake);
        f.Store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(f.Clock);
            s.AddOnCall(options ?? new OnCallOptions { PublicUrl = "https://console.test", Smtp = new SmtpSettings("smtp.test", 25, "pager@console.test") });
            s.AddSingleton<IPageTimer>(f.Timer);
            if (egress is null) s.AddSingleton<IOnCallMessenger>(f.Messenger);
            else s.AddSingleton(egress);
            if (f.Intake is not null) s.AddSingleton<IIncidentIntake>(f.Intake);
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        });
        await using var scope = f.Store.Services.CreateAsyncScope();
        await using (var db = f.Store.NewContext())
        {
            foreach (var role in Roles.All) db.Roles.Add(new Microsoft.AspNetCore.Identity.IdentityRole(role) { NormalizedName = role.ToUpperInvariant() });
            await db.SaveChangesAsync();
        }
        var users = scope.ServiceProvider.GetRequiredService<UserDirectory>();
        await users.CreateAsync(Admin, "ana", "password-ana-1", [Roles.OnCall], "ana@example.test");
        await users.CreateAsync(Admin, "ben", "password-ben-1", [Roles.OnCall], "ben@example.test");
        await users.CreateAsync(Admin, "cy", "password-cy-01", [Roles.Viewer]);
        return f;
    }

    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Store.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task InScopeAsync(Func<IServiceProvider, Task> work) => InScopeAsync(async sp => { await work(sp); return 0; });

    /// <summary>A schedule "primary" with ben on call all day, and a policy: ana (5 min), then the schedule (10 min), repeated once.</summary>
    public async Task SetUpPolicyAsync(int repeat = 1, string? webhook = "https://hooks.example.test/services/T0/B0/SECRETTOKEN", string? severity = null, IReadOnlyList<string>? emails = null)
    {
        await InScopeAsync(async sp =>
        {
            await sp.GetRequiredService<OnCallSchedules>().CreateAsync(Admin, new ScheduleInput("primary", "", [
                new RotationLayer { Users = ["ben"], RotationLength = 1, HandoffTime = "00:00", TimeZone = "UTC", StartDate = "2020-01-01" }]));
            await sp.GetRequiredService<EscalationPolicies>().SaveAsync(Admin, null, new PolicyInput("standard", [
                new EscalationLevel([new EscalationTarget(EscalationTargetKind.User, "ana")], 5),
                new EscalationLevel([new EscalationTarget(EscalationTargetKind.Schedule, "primary")], 10)], repeat));
            await sp.GetRequiredService<ReceiverRegistry>().SaveAsync(Admin, null, new ReceiverInput("team-pager", "standard", webhook, emails, severity));
        });
    }

    public static AlertNotification Notification(string receiver = "team-pager", string group = "{}:{alertname=\"HighErrorRate\"}", AlertStatus status = AlertStatus.Firing, string fingerprint = "fp1") =>
        new(receiver, group, new Dictionary<string, string> { ["alertname"] = "HighErrorRate" },
        [
            new AlertSnapshot(fingerprint, new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = "checkout", ["environment"] = "prod" },
                new Dictionary<string, string> { ["summary"] = "5xx above 5% <@here>" }, status, DateTime.UtcNow.AddMinutes(-3), status == AlertStatus.Resolved ? DateTime.UtcNow : null, null),
        ]);

    public Task NotifyAsync(AlertNotification n) => InScopeAsync(sp => sp.GetRequiredService<Paging>().NotifyAsync(n));

    /// <summary>Runs every timer that is due at the fake clock's time, as the job server would; returns how many escalated.</summary>
    public async Task<int> RunDueTimersAsync()
    {
        var escalated = 0;
        foreach (var t in Timer.TakeDue(Clock.GetUtcNow().UtcDateTime))
            if (await InScopeAsync(sp => sp.GetRequiredService<Paging>().EscalateAsync(t.PageId, t.Step))) escalated++;
        return escalated;
    }

    public async Task<Page> SinglePageAsync()
    {
        await using var db = Store.NewContext();
        return await db.Pages.AsNoTracking().SingleAsync();
    }

    public async Task<List<(string Type, JsonElement Data)>> EventsAsync(string prefix = "page.")
    {
        await using var db = Store.NewContext();
        var rows = await db.OutboxEvents.AsNoTracking().Where(e => e.Type.StartsWith(prefix)).OrderBy(e => e.Position).ToListAsync();
        return rows.Select(r => (r.Type, JsonDocument.Parse(r.CloudEventJson).RootElement.GetProperty("data").Clone())).ToList();
    }

    public async Task<List<NotificationRecord>> RecordsAsync()
    {
        await using var db = Store.NewContext();
        return await db.OnCallNotifications.AsNoTracking().OrderBy(n => n.Id).ToListAsync();
    }

    public async ValueTask DisposeAsync() => await Store.DisposeAsync();
}

public sealed class RecordingTimer : IPageTimer
{
    private readonly List<(Guid PageId, int Step, DateTime Due)> _timers = [];
    public IReadOnlyList<(Guid PageId, int Step, DateTime Due)> All { get { lock (_timers) return [.. _timers]; } }

    public void Schedule(Guid pageId, int step, DateTime dueUtc)
    {
        lock (_timers) _timers.Add((pageId, step, dueUtc));
    }

    public List<(Guid PageId, int Step, DateTime Due)> TakeDue(DateTime now)
    {
        lock (_timers)
        {
            var due = _timers.Where(t => t.Due <= now).ToList();
            _timers.RemoveAll(t => t.Due <= now);
            return due;
        }
    }
}

public sealed class RecordingMessenger : IOnCallMessenger
{
    public List<(string Url, SlackMessage Message)> Webhooks { get; } = [];
    public List<(IReadOnlyList<string> To, string Subject, string Body)> Emails { get; } = [];

    public Task<DeliveryResult> PostWebhookAsync(string url, SlackMessage message, CancellationToken ct)
    {
        lock (Webhooks) Webhooks.Add((url, message));
        return Task.FromResult(new DeliveryResult(true, "200"));
    }

    public Task<DeliveryResult> SendEmailAsync(IReadOnlyList<string> to, string subject, string body, CancellationToken ct)
    {
        lock (Emails) Emails.Add((to, subject, body));
        return Task.FromResult(new DeliveryResult(true, "250"));
    }
}

public sealed class RecordingIntake : IIncidentIntake
{
    public List<(Actor Actor, AlertSnapshot Alert, IncidentSeverity Severity)> Calls { get; } = [];

    public Task<long> OpenFromAlertAsync(Actor actor, AlertSnapshot alert, IncidentSeverity severity, CancellationToken ct)
    {
        lock (Calls) Calls.Add((actor, alert, severity));
        return Task.FromResult(42L);
    }
}
