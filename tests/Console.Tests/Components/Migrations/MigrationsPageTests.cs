using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Migrations;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations.Targets;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Console.Tests.Components.Migrations;

/// <summary>The /migrations page over a real store and the real coordinator: targets (Admin), reverts and scheduled runs (ReleaseManager), deployment plans.</summary>
public sealed class MigrationsPageTests() : ComponentContext(MigrationsPageTests.AddMigrationServices)
{
    /// <summary>The migration engine as the console wires them, over a recording job queue.</summary>
    internal static void AddMigrationServices(IServiceCollection services)
    {
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddMigrationEngine(_ => new MigrationCatalog(Path.Combine(AppContext.BaseDirectory, "migrations")));
        services.AddSingleton<MigrationBatchPageTests.RecordingQueue>();
        services.AddSingleton<IMigrationJobQueue>(sp => sp.GetRequiredService<MigrationBatchPageTests.RecordingQueue>());
    }

    private readonly string _targetDirectory = Path.Combine(Path.GetTempPath(), $"opsconsole-bunit-targets-{Guid.NewGuid():N}");

    private bool _seeded;

    /// <summary>checkout's SQLite targets in dev and prod (prod needing approval), as the demo seeds them.</summary>
    private async Task SeedAsync()
    {
        if (_seeded) return;
        _seeded = true;
        await using var db = NewDb();
        await Services.GetRequiredService<MigrationTargets>().SeedSqliteAsync(db, _targetDirectory, ["checkout"], ["dev", "prod"],
            e => e == "prod", DateTime.UtcNow);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { if (Directory.Exists(_targetDirectory)) Directory.Delete(_targetDirectory, recursive: true); } catch (IOException) { }
    }

    private static Actor ActorOf(string name, params string[] roles) => new(name, new HashSet<string>(roles), "test");

    private async Task<IRenderedComponent<MigrationsPage>> RenderPageAsync()
    {
        await SeedAsync();
        var cut = Render<MigrationsPage>();
        cut.WaitForElement("[data-testid=migration-row-checkout-dev]");
        return cut;
    }

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<MigrationsPage> cut, string environment) =>
        cut.Find($"[data-testid=migration-row-checkout-{environment}]");

    [Fact]
    public async Task An_admin_points_a_target_at_postgres_and_the_connection_string_is_never_shown()
    {
        SignIn("ada", Roles.Admin);
        // Port 1 refuses at once: the row then reports the target unreachable, which is fine here.
        const string password = "pa55-word-never-shown";
        const string connectionString = $"Host=127.0.0.1;Port=1;Database=orders;Username=ops;Password={password};Timeout=1";
        var cut = await RenderPageAsync();

        Row(cut, "dev").QuerySelector("[data-testid=edit-target]")!.Click();
        cut.WaitForElement("input[data-testid=provider-postgres]").Click();
        cut.Find("[data-testid=target-connection] input, input[data-testid=target-connection]").Input(connectionString);
        cut.Find("input[data-testid=target-approval]").Change(true);
        cut.Find("[data-testid=target-save]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=target-form]")), TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("postgresql://127.0.0.1:1/orders", Row(cut, "dev").QuerySelector("[data-testid=target-description]")!.TextContent.Trim()));
        Assert.DoesNotContain(connectionString, cut.Markup);
        Assert.DoesNotContain(password, cut.Markup);

        await using var db = NewDb();
        var stored = await db.MigrationTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "dev");
        Assert.Equal(TargetKind.Postgres, stored.Provider);
        Assert.True(stored.RequiresApproval);
        Assert.Equal("ada", stored.UpdatedBy);
        Assert.DoesNotContain(password, stored.ProtectedConnectionString);
        Assert.Contains(await db.AuditEntries.ToListAsync(), a => a.Action == "migration.target.update" && a.Actor == "ada");
    }

    [Fact]
    public async Task An_unusable_connection_string_is_refused_readably_and_nothing_changes()
    {
        SignIn("ada", Roles.Admin);
        var cut = await RenderPageAsync();
        var before = Row(cut, "dev").QuerySelector("[data-testid=target-description]")!.TextContent.Trim();

        Row(cut, "dev").QuerySelector("[data-testid=edit-target]")!.Click();
        cut.WaitForElement("[data-testid=target-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("A connection string is required.", cut.Find("[data-testid=target-error]").TextContent));
        Assert.Equal(before, Row(cut, "dev").QuerySelector("[data-testid=target-description]")!.TextContent.Trim());
        await using var db = NewDb();
        Assert.Equal(TargetKind.Sqlite, (await db.MigrationTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "dev")).Provider);
    }

    [Fact]
    public async Task A_release_manager_sees_no_target_action_and_the_desk_refuses_them_a_target()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = await RenderPageAsync();
        Assert.NotEmpty(cut.FindAll("[data-testid=dry-run]"));
        Assert.Empty(cut.FindAll("[data-testid=edit-target]"));

        await using var scope = Services.CreateAsyncScope();
        var desk = scope.ServiceProvider.GetRequiredService<MigrationCoordinator>();
        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            desk.SetTargetAsync(ActorOf("rita", Roles.ReleaseManager), "checkout", "dev", "postgres", "Host=127.0.0.1;Database=orders", true));
        await using var db = NewDb();
        Assert.Equal(TargetKind.Sqlite, (await db.MigrationTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "dev")).Provider);
    }

    [Fact]
    public async Task A_release_manager_reverts_the_last_change_after_confirming_and_lands_on_the_batch()
    {
        await ApplyAllAsync("dev");
        SignIn("rita", Roles.ReleaseManager);
        var dialogs = Render<MudDialogProvider>();
        var cut = await RenderPageAsync();
        cut.WaitForAssertion(() => Assert.Equal("3", Row(cut, "dev").QuerySelector("[data-testid=applied-count]")!.TextContent.Trim()));

        Row(cut, "dev").QuerySelector("[data-testid=revert]")!.Click();
        cut.WaitForElement("[data-testid=revert-submit]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("the last applied change", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        await using (var db = NewDb())
            Assert.Empty(await db.MigrationBatches.ToListAsync()); // nothing before confirming
        dialogs.Find("[data-testid=confirm-action]").Click();

        var nav = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/migrations/batches/", nav.Uri));
        await using var check = NewDb();
        var batch = await check.MigrationBatches.SingleAsync();
        Assert.Equal(MigrationRunKind.Revert, batch.Kind);
        Assert.Equal(1, batch.RevertCount);
        Assert.Null(batch.RevertTo);
        Assert.Equal("rita", batch.RequestedBy);
        Assert.EndsWith($"/migrations/batches/{batch.Id}", nav.Uri);
    }

    [Fact]
    public async Task A_release_manager_reverts_back_to_a_named_change()
    {
        await ApplyAllAsync("dev");
        SignIn("rita", Roles.ReleaseManager);
        var dialogs = Render<MudDialogProvider>();
        var cut = await RenderPageAsync();
        cut.WaitForAssertion(() => Assert.Equal("3", Row(cut, "dev").QuerySelector("[data-testid=applied-count]")!.TextContent.Trim()));

        Row(cut, "dev").QuerySelector("[data-testid=revert]")!.Click();
        cut.WaitForElement("input[data-testid=revert-mode-to]").Click();
        cut.WaitForElement("[data-testid=revert-to]"); // preset to the change before the last
        cut.Find("[data-testid=revert-submit]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("after 002_add_order_status", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        dialogs.Find("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() => Assert.Contains("/migrations/batches/", Services.GetRequiredService<NavigationManager>().Uri));
        await using var check = NewDb();
        var batch = await check.MigrationBatches.SingleAsync();
        Assert.Equal(MigrationRunKind.Revert, batch.Kind);
        Assert.Null(batch.RevertCount);
        Assert.Equal("002_add_order_status", batch.RevertTo);
    }

    [Fact]
    public async Task A_dry_run_with_a_run_at_time_is_scheduled_for_that_utc_time()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = await RenderPageAsync();
        var at = DateTime.UtcNow.Date.AddDays(2).AddHours(3).AddMinutes(30);

        cut.Find("[data-testid=run-at] input, input[data-testid=run-at]").Input(at.ToString("yyyy-MM-dd HH:mm"));
        Row(cut, "dev").QuerySelector("[data-testid=dry-run]")!.Click();

        cut.WaitForAssertion(() => Assert.Contains("/migrations/batches/", Services.GetRequiredService<NavigationManager>().Uri));
        await using var db = NewDb();
        var batch = await db.MigrationBatches.SingleAsync();
        Assert.Equal(MigrationRunKind.DryRun, batch.Kind);
        Assert.Equal(at, batch.ScheduledFor);
    }

    [Fact]
    public async Task A_run_at_that_is_not_a_time_is_refused_readably_and_nothing_is_requested()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = await RenderPageAsync();

        cut.Find("[data-testid=run-at] input, input[data-testid=run-at]").Input("tomorrow-ish");
        Row(cut, "dev").QuerySelector("[data-testid=dry-run]")!.Click();

        cut.WaitForAssertion(() => Assert.Contains("'tomorrow-ish' is not a UTC date and time", cut.Find("[data-testid=action-error]").TextContent));
        await using var db = NewDb();
        Assert.Empty(await db.MigrationBatches.ToListAsync());
    }

    [Fact]
    public async Task The_plans_section_lists_stored_plans_with_links_and_refreshes_live()
    {
        SignIn("vera", Roles.Viewer);
        var expand = Guid.CreateVersion7();
        var rollout = Guid.CreateVersion7();
        var first = await StorePlanAsync("1.4.0", DeploymentPlanStatus.RollingOut, expand, rollout);
        var cut = await RenderPageAsync();

        var row = cut.WaitForElement($"[data-testid=plan-{first}]");
        Assert.Contains("checkout/prod", row.TextContent);
        Assert.Contains("1.4.0", row.TextContent);
        Assert.Equal("RollingOut", row.QuerySelector("[data-testid=plan-status]")!.TextContent.Trim());
        Assert.Equal($"/migrations/batches/{expand}", row.QuerySelector("[data-testid=plan-expand]")!.GetAttribute("href"));
        Assert.Equal($"/rollouts/{rollout}", row.QuerySelector("[data-testid=plan-rollout]")!.GetAttribute("href"));
        Assert.Null(row.QuerySelector("[data-testid=plan-contract]"));
        Assert.Empty(cut.FindAll("[data-testid=edit-target]"));
        Assert.Empty(cut.FindAll("[data-testid=revert]"));

        var second = await StorePlanAsync("1.5.0", DeploymentPlanStatus.Expanding, Guid.CreateVersion7(), null);
        Services.GetRequiredService<MigrationUpdates>().Publish(Guid.NewGuid());
        cut.WaitForAssertion(() => Assert.Contains("1.5.0", cut.Find($"[data-testid=plan-{second}]").TextContent));
    }

    private async Task<Guid> StorePlanAsync(string version, DeploymentPlanStatus status, Guid? expand, Guid? rollout)
    {
        await using var db = NewDb();
        var plan = new DeploymentPlan
        {
            Service = "checkout", Environment = "prod", Version = version, RequestedBy = "rita", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            Status = status, ExpandBatchId = expand, RolloutId = rollout, Message = "Expand applied; rolling out.",
        };
        db.DeploymentPlans.Add(plan);
        await db.SaveChangesAsync();
        return plan.Id;
    }

    /// <summary>Applies every change of checkout to its SQLite target in <paramref name="environment"/>, outside the desk.</summary>
    private async Task ApplyAllAsync(string environment)
    {
        await SeedAsync();
        MigrationTargetConfig config;
        await using (var db = NewDb())
            config = await db.MigrationTargets.AsNoTracking().SingleAsync(t => t.Service == "checkout" && t.Environment == environment);
        var target = Services.GetRequiredService<MigrationTargets>().Open(config);
        var result = await Services.GetRequiredService<MigrationRunner>().ApplyAsync(new MigrationRequest
        {
            RequestedBy = ActorOf("setup", Roles.ReleaseManager), Source = Services.GetRequiredService<MigrationCatalog>().Read("checkout"),
            Target = target, Environment = environment,
        });
        Assert.Equal(MigrationOutcome.Succeeded, result.Evidence.Outcome);
    }
}
