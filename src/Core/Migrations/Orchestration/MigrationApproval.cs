using OpsConsole.Core.Access;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// Whether a person may approve a batch: the one rule, so the approve button and
/// <see cref="MigrationCoordinator.ApproveAsync"/> cannot disagree. What needs the source or the
/// clock (the migrations changed since the request, an approval that would expire before the
/// scheduled time) is checked by the coordinator when the approval is given.
/// </summary>
public static class MigrationApproval
{
    public const string Action = "approve migrations";

    public static readonly string[] ApproverRoles = [Roles.ReleaseManager];

    /// <summary>Why <paramref name="actor"/> may not approve <paramref name="batch"/> now, or null when they may.</summary>
    public static string? Check(MigrationBatch batch, Actor actor)
    {
        if (!actor.IsInAnyRole(ApproverRoles))
            return new Domain.AccessDeniedException(Action, ApproverRoles).Message;
        if (batch.Status != MigrationBatchStatus.AwaitingApproval)
            return $"Batch {batch.Id} is {batch.Status}: only a batch awaiting approval can be approved.";
        // Four eyes: the requester's own approval would be one person deciding twice.
        if (IsRequester(batch, actor))
            return $"{actor.Name} requested batch {batch.Id} and may not approve it: another ReleaseManager must.";
        if (batch.SourceChecksum is null || batch.ChangesJson is null)
            return $"Batch {batch.Id} was requested before the console recorded the SQL of a batch: request it again so the approval covers the SQL shown.";
        return null;
    }

    public static bool IsRequester(MigrationBatch batch, Actor actor) =>
        string.Equals(batch.RequestedBy, actor.Name, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The roles the migration coordinator requires, so pages offer forms by the same lists.</summary>
public static class MigrationRoles
{
    public static readonly string[] Run = [Roles.ReleaseManager];
    public static readonly string[] Configure = [Roles.Admin];
}
