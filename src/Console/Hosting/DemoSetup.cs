using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Dora;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Hosting;

/// <summary>
/// What a fresh console starts with: the built-in analysis templates always; with the demo on, the
/// demo services, a SQLite migration target per service and environment, and their traffic.
/// </summary>
public static class DemoSetup
{
    /// <summary>The demo's SQLite target files: DATA/targets/&lt;service&gt;-&lt;environment&gt;.db.</summary>
    public static string DemoTargetDirectory(ConsoleSettings settings) => Path.Combine(settings.DataDirectory, "targets");

    public static async Task SeedDemoAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            await DemoSeed.EnsureAsync(db, settings.Demo, DateTime.UtcNow, ct);
        }
        if (!settings.Demo) return;
        await SeedDemoMigrationTargetsAsync(services, settings, ct);
        await SeedDemoOnCallAsync(services, ct);
        // In this order: the pipelines and releases seed only a store without releases, the DORA
        // history adds older ones beside them, and the waiting promotion needs both.
        await using (var scope = services.CreateAsyncScope())
        {
            var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            await ReleaseDemo.EnsureAsync(scope.ServiceProvider, now, ct);
            await DoraDemoHistory.EnsureAsync(scope.ServiceProvider.GetRequiredService<OpsDbContext>(),
                scope.ServiceProvider.GetRequiredService<Core.Events.EventSource>(), now, ct);
            await Core.Fatigue.FatigueDemoHistory.EnsureAsync(scope.ServiceProvider.GetRequiredService<OpsDbContext>(), now, ct);
        }
        await services.SeedDemoPromotionAsync(ct);
        await using (var scope = services.CreateAsyncScope())
            await SloDemo.EnsureAsync(scope.ServiceProvider.GetRequiredService<OpsDbContext>(), scope.ServiceProvider.GetRequiredService<SloCatalog>(), ct);
        if (settings.DemoRequestsPerSecond <= 0) return;
        var traffic = services.GetRequiredService<ITrafficGenerator>();
        await using var s = services.CreateAsyncScope();
        foreach (var t in await s.ServiceProvider.GetRequiredService<OpsDbContext>().DeployTargets.AsNoTracking().ToListAsync(ct))
            traffic.SetLoad(t.Target, new TrafficLoad(settings.DemoRequestsPerSecond));
    }

    /// <summary>A SQLite target per demo service and environment (prod needs approval). Existing targets are kept.</summary>
    public static async Task SeedDemoMigrationTargetsAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MigrationTargets>().SeedSqliteAsync(
            scope.ServiceProvider.GetRequiredService<OpsDbContext>(), DemoTargetDirectory(settings), DemoSeed.Services, DemoSeed.Environments,
            environment => environment == "prod", DateTime.UtcNow, ct);
    }

    /// <summary>The demo's receiver: the route tree's root sends every alert to it.</summary>
    public const string DemoReceiver = "oncall";

    /// <summary>The demo's receiver for alerts that ask for a ticket rather than a page (SLO budget erosion): it opens a SEV4 incident and pages nobody.</summary>
    public const string DemoTicketReceiver = "tickets";

    /// <summary>
    /// The route tree a demo console starts with: everything to <see cref="DemoReceiver"/>, first page
    /// 10 s after the first alert; alerts labelled <c>severity="ticket"</c> to <see cref="DemoTicketReceiver"/>.
    /// </summary>
    public const string DemoRouteTree = """
        route:
          receiver: oncall
          group_by: [alertname, service, environment]
          group_wait: 10s
          group_interval: 1m
          repeat_interval: 4h
          routes:
            - receiver: tickets
              matchers: ['severity="ticket"']
        receivers:
          - name: oncall
          - name: tickets
        """;

    /// <summary>
    /// On-call for the demo, so a test alert pages someone: a schedule with the admin user on call, an
    /// escalation policy paging it, a receiver <c>oncall</c> (the policy, and a SEV2 incident opened for
    /// the alert) and a route tree whose root is that receiver. Only on a console that has none of them yet.
    /// </summary>
    public static async Task SeedDemoOnCallAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<OpsDbContext>();
        if (await db.AlertReceivers.AnyAsync(ct) || await db.EscalationPolicies.AnyAsync(ct) || await db.AlertRoutes.AnyAsync(ct)) return;
        var system = Actor.System("demo-seed");
        // The rotation started before the alert-fatigue demo history, so that history falls into shifts.
        var rotationStart = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-35)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await sp.GetRequiredService<OnCallSchedules>().CreateAsync(system, new ScheduleInput("Primary", "Demo rotation: the admin is on call.",
            [new RotationLayer { Name = "Weekly", Users = [FirstRun.AdminUserName], RotationLength = 7, Unit = RotationUnit.Days, HandoffTime = "09:00", TimeZone = "UTC", StartDate = rotationStart }]), ct);
        await sp.GetRequiredService<EscalationPolicies>().SaveAsync(system, null, new PolicyInput("Demo escalation",
            [
                new EscalationLevel([new EscalationTarget(EscalationTargetKind.Schedule, "Primary")], 5),
                new EscalationLevel([new EscalationTarget(EscalationTargetKind.User, FirstRun.AdminUserName)], 10),
            ], 1), ct);
        await sp.GetRequiredService<ReceiverRegistry>().SaveAsync(system, null, new ReceiverInput(DemoReceiver, "Demo escalation", null, null, "SEV2"), ct);
        await sp.GetRequiredService<ReceiverRegistry>().SaveAsync(system, null, new ReceiverInput(DemoTicketReceiver, null, null, null, "SEV4"), ct);
        await sp.GetRequiredService<AlertRoutes>().ReplaceAsync(system, DemoRouteTree, ct);
    }
}
