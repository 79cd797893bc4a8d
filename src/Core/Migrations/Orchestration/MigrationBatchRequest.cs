namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>What a person asks of the coordinator: a kind of run, optional waivers, a time, and for a revert how far back.</summary>
public sealed record MigrationBatchRequest(
    MigrationRunKind Kind,
    IReadOnlyList<WaiverInput>? Waivers = null,
    DateTime? ScheduledFor = null,
    int? RevertCount = null,
    string? RevertTo = null,
    MigrationPhase? Phase = null,
    Guid? PlanId = null);

public sealed record WaiverInput(string? Change, string? RuleId, string? Reason);
