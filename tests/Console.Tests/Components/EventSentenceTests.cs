using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Tests.Components;

/// <summary>Each event type reads as one sentence, built from the data the capabilities really send.</summary>
public sealed class EventSentenceTests : ComponentContext
{
    private static readonly Actor Vera = new("vera", new HashSet<string> { Roles.ReleaseManager }, "corr");

    /// <summary>An event as the outbox writes it (CloudEvents JSON, camelCase data).</summary>
    private string Say(string type, string subject, object data, Actor? actor = null)
    {
        using var db = NewDb();
        var row = Services.GetRequiredService<EventOutbox>().Add(db, actor ?? Vera, type, subject, data);
        return EventSentence.For(EventEnvelope.From(row));
    }

    private static readonly Guid Id = Guid.NewGuid();

    public static TheoryData<string, object, string> Examples => new()
    {
        { EventTypes.DeployStarted, new { rolloutId = Id, service = "checkout", environment = "prod", version = "1.1.0", revision = "1.1.0", previousVersion = "1.0.0", strategy = "canary", by = "vera" },
            "deploy.started checkout/prod 1.0.0 → 1.1.0 (canary) by vera" },
        { EventTypes.DeployCompleted, new { rolloutId = Id, service = "checkout", environment = "prod", version = "1.1.0", outcome = "Healthy", previousVersion = "1.0.0" },
            "deploy.completed checkout/prod 1.1.0 is healthy and takes all traffic (from 1.0.0)" },
        { EventTypes.RollbackExecuted, new { rolloutId = Id, service = "checkout", environment = "prod", version = "1.1.0", stableVersion = "1.0.0", reason = "Analysis error-rate failed: 0.50 > 0.05.", trigger = "automatic" },
            "rollback checkout/prod 1.1.0 rolled back to 1.0.0 automatically: Analysis error-rate failed: 0.50 > 0.05" },
        { EventTypes.RolloutStepChanged, new { rolloutId = Id, service = "checkout", environment = "prod", version = "1.1.0", fromStep = 0, toStep = 1, stepCount = 4, weights = new Dictionary<string, int> { ["1.0.0"] = 80, ["1.1.0"] = 20 } },
            "checkout/prod 1.1.0 at step 2 of 4: 80% on 1.0.0, 20% on 1.1.0" },
        { EventTypes.AnalysisFailed, new { rolloutId = Id, service = "checkout", environment = "prod", version = "1.1.0", template = "error-rate", phase = "Failed", reason = "error-rate 0.50 > 0.05" },
            "analysis error-rate failed on checkout/prod 1.1.0: error-rate 0.50 > 0.05" },
        { EventTypes.RolloutRequested, new { service = "checkout", environment = "prod", version = "1.2.0" },
            "rollout of checkout/prod 1.2.0 requested by vera" },
        { EventTypes.RolloutAction, new { rolloutId = Id, service = "checkout", environment = "prod", version = "1.1.0", action = "promote", by = "vera", phase = "Progressing", step = 2 },
            "promote checkout/prod 1.1.0 by vera, now progressing" },
        { EventTypes.MigrationApplied, new { batchId = Id, kind = "Apply", outcome = "Succeeded", service = "checkout", environment = "dev", changes = new[] { new { name = "001" }, new { name = "002" }, new { name = "003" } } },
            "3 changes applied to checkout/dev" },
        { EventTypes.MigrationReverted, new { batchId = Id, kind = "Revert", service = "checkout", environment = "prod", approvedBy = "max", changes = new[] { new { name = "003" } } },
            "1 change reverted on checkout/prod, approved by max" },
        { EventTypes.MigrationFailed, new { batchId = Id, kind = "Apply", service = "checkout", environment = "prod", message = "The target is unreachable." },
            "migration apply failed on checkout/prod: The target is unreachable" },
        { EventTypes.MigrationBundleUploaded, new { service = "checkout", version = "1.2.0", checksum = "abc", changes = new[] { "001", "002" } },
            "migrations of checkout 1.2.0 uploaded (2 changes) by vera" },
        { EventTypes.UserCreated, new { userName = "bob", roles = new[] { "Viewer", "OnCall" } },
            "user bob created with roles Viewer, OnCall by vera" },
        { EventTypes.UserChanged, new { userName = "bob", disabled = true },
            "user bob disabled by vera" },
        { EventTypes.TokenCreated, new { Id, Name = "ci", owner = "carol", Prefix = "ops_ab", roles = new[] { "Viewer" } },
            "API token ci created for carol with roles Viewer by vera" },
        { EventTypes.TokenRevoked, new { Id, Name = "ci", owner = "carol" },
            "API token ci of carol revoked by vera" },
        { EventTypes.WebhookCreated, new { Id, Name = "chat", url = "https://hooks.example" },
            "webhook chat added (https://hooks.example) by vera" },
        { EventTypes.WebhookDeleted, new { Id, Name = "chat" },
            "webhook chat deleted by vera" },
        { EventTypes.WebhookPing, new { Id, Name = "chat", message = "Test delivery from OpsConsole." },
            "webhook chat sent a test delivery by vera" },
        { EventTypes.ConsoleStarted, new { version = "1" },
            "console bunit started" },
        { EventTypes.IncidentOpened, new { title = "checkout 5xx above 5%" },
            "incident opened on checkout/prod: checkout 5xx above 5% by vera" },
        { EventTypes.IncidentAcknowledged, new { incidentId = 3, title = "Checkout 5xx", severity = "SEV2" },
            "incident 3 acknowledged by vera: Checkout 5xx" },
        { EventTypes.IncidentMitigated, new { incidentId = 3, title = "Checkout 5xx", severity = "SEV2" },
            "incident 3 mitigated by vera: Checkout 5xx" },
        { EventTypes.IncidentResolved, new { incidentId = 3, title = "Checkout 5xx", severity = "SEV2" },
            "incident 3 resolved by vera: Checkout 5xx" },
        { EventTypes.IncidentNoteAdded, new { incidentId = 3, title = "Checkout 5xx", note = "Rolled back checkout." },
            "note on incident 3 by vera: Rolled back checkout" },
        { EventTypes.AlertFiring, new { fingerprint = "1a2b3c", name = "HighErrorRate", status = "firing", labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate" }, startsAt = new DateTime(2026, 1, 2, 3, 4, 0, DateTimeKind.Utc) },
            "alert HighErrorRate firing (1a2b3c)" },
        { EventTypes.AlertResolved, new { fingerprint = "1a2b3c", name = "HighErrorRate", status = "resolved", labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate" } },
            "alert HighErrorRate resolved (1a2b3c)" },
        { EventTypes.AlertRoutesReplaced, new { receivers = new[] { "oncall", "chat" }, routes = 3, inhibitRules = 0, timeIntervals = 0 },
            "alert route tree replaced (3 routes, 2 receivers) by vera" },
        { EventTypes.SilenceCreated, new { Id, Matchers = "{service=\"checkout\"}", StartsAt = new DateTime(2026, 1, 2, 3, 0, 0, DateTimeKind.Utc), EndsAt = new DateTime(2026, 1, 2, 4, 0, 0, DateTimeKind.Utc), Comment = "Deploying a fix." },
            "silence {service=\"checkout\"} until 2026-01-02 04:00 UTC by vera: Deploying a fix" },
        { EventTypes.SilenceExpired, new { Id, Matchers = "{service=\"checkout\"}", EndsAt = new DateTime(2026, 1, 2, 4, 0, 0, DateTimeKind.Utc), expiredBy = "vera" },
            "silence {service=\"checkout\"} expired (ended by vera)" },
        { EventTypes.PageSent, new { pageId = Id, incidentId = 3, fingerprint = "1a2b3c", person = "admin", level = 1, round = 0, receiver = "oncall", groupKey = "{}", title = "HighErrorRate" },
            "paged admin (level 1, receiver oncall): HighErrorRate" },
        { EventTypes.PageEscalated, new { pageId = Id, incidentId = 3, fingerprint = "1a2b3c", person = "max", level = 2, round = 0, receiver = "oncall", groupKey = "{}", title = "HighErrorRate" },
            "page escalated to level 2: max: HighErrorRate" },
        { EventTypes.PageAcknowledged, new { pageId = Id, incidentId = 3, fingerprint = "1a2b3c", person = "vera", level = 1, round = 0, receiver = "oncall", groupKey = "{}", title = "HighErrorRate" },
            "page acknowledged by vera: HighErrorRate" },
        { EventTypes.RunbookUpdated, new { slug = "high-error-rate", title = "High error rate", version = 2, origin = "ui", by = "vera", services = new[] { "checkout" } },
            "runbook High error rate now at version 2 (ui) by vera" },
        { EventTypes.RunbookRunStarted, new { runId = Id, slug = "high-error-rate", title = "High error rate", version = 2, actor = "vera", steps = 4, incidentId = 3 },
            "runbook High error rate run started by vera" },
        { EventTypes.RunbookStepExecuted, new { runId = Id, slug = "high-error-rate", runbookTitle = "High error rate", step = 2, stepTitle = "Abort the rollout", action = "rollout.abort", actor = "vera", outcome = "done", incidentId = 3 },
            "runbook High error rate step 2 Abort the rollout done by vera" },
        { EventTypes.ReleaseRegistered, new { service = "checkout", version = "1.9.0", commit = "7fb86f79032109e584e1e49f1ab632b893825a5a", releaseId = Id },
            "release checkout 1.9.0 registered (7fb86f790321) by vera" },
        { EventTypes.ReleaseChecksReported, new { service = "checkout", version = "1.9.0", check = "e2e", passed = false, tests = 40, failures = 2, errors = 1, skipped = 0 },
            "check e2e of checkout 1.9.0 failed (40 tests, 3 failures) by vera" },
        { EventTypes.PromotionRequested, new { promotionId = Id, service = "checkout", version = "1.9.0", environment = "prod", status = "WaitingForGates", requestedBy = "ci" },
            "promotion of checkout 1.9.0 to prod requested by ci" },
        { EventTypes.PromotionApproved, new { promotionId = Id, service = "checkout", version = "1.9.0", environment = "prod", status = "WaitingForGates", by = "rita", comment = "Looks good." },
            "promotion of checkout 1.9.0 to prod approved by rita: Looks good" },
        { EventTypes.PromotionRejected, new { promotionId = Id, service = "checkout", version = "1.9.0", environment = "prod", status = "Rejected", by = "rita", comment = "Not during the sale." },
            "promotion of checkout 1.9.0 to prod rejected by rita: Not during the sale" },
        { EventTypes.PromotionCompleted, new { promotionId = Id, service = "checkout", version = "1.9.0", environment = "prod", status = "Succeeded" },
            "checkout 1.9.0 promoted to prod" },
        { EventTypes.PromotionFailed, new { promotionId = Id, service = "checkout", version = "1.9.0", environment = "prod", status = "Failed", reason = "Rolled back: analysis error-rate failed." },
            "promotion of checkout 1.9.0 to prod failed: Rolled back: analysis error-rate failed" },
        { EventTypes.FreezeOverridden, new { promotionId = Id, service = "checkout", version = "1.9.0", environment = "prod", status = "WaitingForGates", by = "admin", reason = "Security fix.", window = "Weekend freeze" },
            "freeze Weekend freeze overridden for checkout 1.9.0 to prod by admin: Security fix" },
        { EventTypes.ConfigChanged, new { service = "checkout", environment = "prod", keys = new[] { "API_KEY" }, change = "changed", secret = true, version = 2 },
            "config API_KEY changed on checkout/prod (secret) by vera" },
        { EventTypes.DrillCompleted, new { drillId = Id, runId = Id, service = "checkout", environment = "staging", status = "Passed", passed = true, detectionSeconds = 3.21, rollbackSeconds = 4.56, targetSeconds = 60, drill = true },
            "rollback drill on checkout/staging passed: rolled back in 4.6 s (target 60 s)" },
        { EventTypes.SloCreated, new { sloId = 7, service = "checkout", environment = "prod", kind = "availability", objective = 0.999, windowDays = 30, description = "availability 99.9%" },
            "SLO availability 99.9% over 30 d created for checkout/prod by vera" },
        { EventTypes.SloDeleted, new { sloId = 7, service = "checkout", environment = "prod", kind = "latency", objective = 0.99, windowDays = 30, latencyMs = 250, description = "latency < 250 ms at 99%" },
            "SLO latency < 250 ms at 99% over 30 d deleted from checkout/prod by vera" },
        { EventTypes.GameDayStarted, new { gameDayId = 7, title = "Checkout errors", facilitator = "fay", scope = new[] { "checkout/staging" }, faults = 1, by = "fay" },
            "game day 7 Checkout errors started on checkout/staging by fay" },
        { EventTypes.GameDayCompleted, new { gameDayId = 7, title = "Checkout errors", outcome = "aborted", abortReason = "abort condition 'error_ratio > 0.3' held on checkout/staging." },
            "game day 7 Checkout errors aborted: abort condition 'error_ratio > 0.3' held on checkout/staging" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Each_event_type_reads_as_a_sentence(string type, object data, string expected)
    {
        var subject = data.GetType().GetProperty("service") is null && type != EventTypes.IncidentOpened ? $"thing/{type}" : "checkout/prod";
        Assert.Equal(expected, Say(type, subject, data));
    }

    [Fact]
    public void Every_declared_event_type_has_an_example()
    {
        var declared = typeof(EventTypes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();
        var covered = Examples.Select(row => (string)row[0]).ToHashSet();
        Assert.Empty(declared.Except(covered));
    }

    [Fact]
    public void A_role_change_and_an_unknown_type_still_read()
    {
        Assert.Equal("user bob now has Admin by vera", Say(EventTypes.UserChanged, "user/bob", new { userName = "bob", roles = new[] { "Admin" } }));
        Assert.Equal("thing.happened svc/env by vera", Say("thing.happened", "svc/env", new { x = 1 }));
        Assert.Equal("deploy.completed checkout/prod 1.1.0 ended aborted: aborted by vera",
            Say(EventTypes.DeployCompleted, "checkout/prod", new { service = "checkout", environment = "prod", version = "1.1.0", outcome = "Aborted", reason = "aborted by vera" }));
    }
}
