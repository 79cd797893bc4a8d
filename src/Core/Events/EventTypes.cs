namespace OpsConsole.Core.Events;

/// <summary>Event type names (the CloudEvents <c>type</c>). Capabilities add theirs here.</summary>
public static class EventTypes
{
    public const string UserCreated = "user.created";
    public const string UserChanged = "user.changed";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string WebhookCreated = "webhook.created";
    public const string WebhookDeleted = "webhook.deleted";
    public const string WebhookPing = "webhook.ping";
    public const string ConsoleStarted = "console.started";

    // Emitted by later capabilities (shared/DESIGN.md): declared here so subscriptions can name them now.
    public const string DeployStarted = "deploy.started";
    public const string DeployCompleted = "deploy.completed";
    public const string RollbackExecuted = "rollback.executed";
    public const string RolloutStepChanged = "rollout.step.changed";
    public const string AnalysisFailed = "analysis.failed";
    public const string RolloutRequested = "rollout.requested";
    public const string RolloutAction = "rollout.action";
    public const string MigrationApplied = "migration.applied";
    public const string MigrationBundleUploaded = "migration.bundle.uploaded";
    public const string MigrationFailed = "migration.failed";
    public const string MigrationReverted = "migration.reverted";
    public const string IncidentOpened = "incident.opened";

    // On-call. Convention for the incident timeline: an event tied to an incident carries
    // "incidentId" (number) in its data; an event about an alert carries "fingerprint"; the subject is
    // "service/environment" when the event concerns one, so "what changed" queries can find it.
    public const string IncidentAcknowledged = "incident.acknowledged";
    public const string IncidentMitigated = "incident.mitigated";
    public const string IncidentResolved = "incident.resolved";
    public const string IncidentNoteAdded = "incident.note.added";
    public const string AlertFiring = "alert.firing";
    public const string AlertResolved = "alert.resolved";
    public const string AlertRoutesReplaced = "alert.routes.replaced";
    public const string SilenceCreated = "silence.created";
    public const string SilenceExpired = "silence.expired";
    public const string PageSent = "page.sent";
    public const string PageEscalated = "page.escalated";
    public const string PageAcknowledged = "page.acknowledged";
    public const string RunbookUpdated = "runbook.updated";
    public const string RunbookRunStarted = "runbook.run.started";
    public const string RunbookStepExecuted = "runbook.step.executed";

    // Releases and promotions: subject "service/environment" for a promotion, data carries
    // "service", "version" and, for promotions, "promotionId" and "environment".
    public const string ReleaseRegistered = "release.registered";
    public const string ReleaseChecksReported = "release.checks.reported";
    public const string PromotionRequested = "promotion.requested";
    public const string PromotionApproved = "promotion.approved";
    public const string PromotionRejected = "promotion.rejected";
    public const string PromotionCompleted = "promotion.completed";
    public const string PromotionFailed = "promotion.failed";
    public const string FreezeOverridden = "freeze.overridden";
    public const string ConfigChanged = "config.changed";

    // Verification: drills and game days carry "drill": true (drills) so DORA never counts them;
    // subject "service/environment" for a drill, data "gameDayId" for a game day.
    public const string DrillCompleted = "drill.completed";
    public const string GameDayStarted = "gameday.started";
    public const string GameDayCompleted = "gameday.completed";

    // SLOs: subject "service/environment", data "sloId", "kind", "objective", "windowDays", "latencyMs", "description".
    public const string SloCreated = "slo.created";
    public const string SloDeleted = "slo.deleted";
}
