using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Core.Tests.Runbooks;

public sealed class RunbookRunTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task An_abort_step_aborts_the_rollout_in_flight_and_the_run_keeps_its_output_and_the_incident()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock, demo: true);
        await using (var scope = store.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RunbookLibrary>().CreateAsync(RunbookFixture.OnCall,
                RunbookFixture.Markdown(body: "- [ ] look\n\n" + RunbookFixture.AbortStep));
            await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().StartAsync(RunbookFixture.OnCall, "checkout", "prod", "1.1.0",
                JsonDocument.Parse("""{"canary":{"steps":[{"setWeight":40},{"pause":{}}]}}""").RootElement, null);
        }
        var reconciler = store.Services.GetRequiredService<RolloutReconciler>();
        for (var i = 0; i < 3; i++) { await reconciler.ReconcileOnceAsync(CancellationToken.None); _clock.Advance(TimeSpan.FromSeconds(1)); }
        RunbookRun run;
        await using (var scope = store.Services.CreateAsyncScope())
            run = await scope.ServiceProvider.GetRequiredService<RunbookRunner>().StartAsync(RunbookFixture.OnCall, "high-error-rate", incidentId: 42);
        Assert.Equal(2, run.Steps.Count);

        await using (var scope = store.Services.CreateAsyncScope())
        {
            var runner = scope.ServiceProvider.GetRequiredService<RunbookRunner>();
            await Assert.ThrowsAsync<AccessDeniedException>(() => runner.RunStepAsync(RunbookFixture.Viewer, run.Id, 2));
            var step = await runner.RunStepAsync(RunbookFixture.OnCall, run.Id, 2, "aborting");
            Assert.True(step.State == RunbookStepState.Done, step.Output);
            Assert.Contains("abort done", step.Output, StringComparison.Ordinal);
            Assert.Contains("aborting", step.Notes, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ConflictException>(() => runner.RunStepAsync(RunbookFixture.OnCall, run.Id, 2));
        }

        await using var db = store.NewContext();
        Assert.Equal(RolloutPhase.Aborted, (await db.Rollouts.SingleAsync()).Phase);
        var executed = await db.OutboxEvents.SingleAsync(e => e.Type == EventTypes.RunbookStepExecuted);
        Assert.Equal("checkout/prod", executed.Subject);
        var data = JsonDocument.Parse(executed.CloudEventJson).RootElement.GetProperty("data");
        Assert.Equal(42, data.GetProperty("incidentId").GetInt64());
        Assert.Equal("done", data.GetProperty("outcome").GetString());
        Assert.Equal("olga", data.GetProperty("actor").GetString());
        Assert.Equal("high-error-rate", data.GetProperty("slug").GetString());
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "rollout.abort"));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "runbook.step.run"));
    }

    [Fact]
    public async Task A_failing_action_marks_the_step_failed_with_why_and_tasks_are_done_or_skipped_by_hand()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock, demo: true);
        await using var scope = store.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunbookLibrary>().CreateAsync(RunbookFixture.OnCall,
            RunbookFixture.Markdown(body: "- [ ] look\n- [ ] tell\n\n" + RunbookFixture.AbortStep));
        var runner = scope.ServiceProvider.GetRequiredService<RunbookRunner>();
        var run = await runner.StartAsync(RunbookFixture.OnCall, "high-error-rate");
        var failed = await runner.RunStepAsync(RunbookFixture.OnCall, run.Id, 3);
        Assert.Equal(RunbookStepState.Failed, failed.State);
        Assert.Contains("No rollout is in flight for checkout/prod", failed.Output, StringComparison.Ordinal);
        await runner.CompleteTaskAsync(RunbookFixture.OnCall, run.Id, 1, "seen");
        await runner.SkipStepAsync(RunbookFixture.OnCall, run.Id, 2, "nobody to tell");
        await Assert.ThrowsAsync<ConflictException>(() => runner.CompleteTaskAsync(RunbookFixture.OnCall, run.Id, 3));
        var md = RunbookRunner.ToMarkdown(await runner.GetAsync(run.Id));
        Assert.Contains("1. **done**: look", md, StringComparison.Ordinal);
        Assert.Contains("2. **skipped**: tell", md, StringComparison.Ordinal);
        Assert.Contains("3. **failed**", md, StringComparison.Ordinal);
        Assert.Contains("No rollout is in flight", md, StringComparison.Ordinal);
        Assert.Contains("nobody to tell", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_starts_a_rollout_of_the_previous_release_and_http_check_refuses_loopback()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock, demo: true);
        await using (var db = store.NewContext())
        {
            // checkout/prod went 1.0.0 -> 1.1.0 through a rollout that ended Healthy.
            var target = await db.DeployTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "prod");
            var r = new Rollout
            {
                Service = "checkout", Environment = "prod", Version = "1.1.0", Revision = "checkout-1.1.0", StableRevision = target.StableRevision,
                StableVersion = target.StableVersion, StrategyJson = target.DefaultStrategyJson, CreatedBy = "x", Phase = RolloutPhase.Healthy,
                CreatedAt = _clock.GetUtcNow().UtcDateTime, UpdatedAt = _clock.GetUtcNow().UtcDateTime, Message = "done",
            };
            db.Rollouts.Add(r);
            target.MarkStable(r, _clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
        }
        await using var scope = store.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunbookLibrary>().CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown(body:
            "```action\nname: rollout.rollback\nservice: checkout\nenvironment: prod\n```\n\n```action\nname: http.check\nurl: http://localhost:9/x\n```\n"));
        var runner = scope.ServiceProvider.GetRequiredService<RunbookRunner>();
        var run = await runner.StartAsync(RunbookFixture.OnCall, "high-error-rate");
        var rollback = await runner.RunStepAsync(RunbookFixture.OnCall, run.Id, 1);
        Assert.Equal(RunbookStepState.Done, rollback.State);
        Assert.Contains("back to 1.0.0", rollback.Output, StringComparison.Ordinal);
        await using (var db = store.NewContext())
            Assert.Equal("1.0.0", (await db.Rollouts.InFlight().SingleAsync()).Version);

        var check = await runner.RunStepAsync(RunbookFixture.OnCall, run.Id, 2);
        Assert.Equal(RunbookStepState.Failed, check.State);
        Assert.StartsWith("Refused:", check.Output, StringComparison.Ordinal);
    }
}
