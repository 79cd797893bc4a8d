using OpsConsole.Core.Access;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// Who may approve a migration batch: a ReleaseManager other than the person who requested it,
/// while the batch awaits approval. Pages offer the button by this rule; the desk refuses by it.
/// </summary>
public static class MigrationApproval
{
    public static readonly string[] ApproverRoles = [Roles.ReleaseManager];

    /// <summary>Null when the actor may approve the batch now, otherwise why not.</summary>
    public static string? Check(MigrationBatch batch, Actor actor)
    {
        if (batch.Status != MigrationBatchStatus.AwaitingApproval)
            return $"Batch {batch.Id} is {batch.Status}: only a batch awaiting approval can be approved.";
        if (!actor.IsInAnyRole(ApproverRoles))
            return $"Approving migrations needs the role {string.Join(" or ", ApproverRoles)}.";
        if (IsRequester(batch, actor))
            return $"{actor.Name} requested batch {batch.Id} and may not approve it: another ReleaseManager must.";
        return null;
    }

    public static bool IsRequester(MigrationBatch batch, Actor actor) =>
        string.Equals(batch.RequestedBy, actor.Name, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The roles the migration desk requires, so pages offer forms by the same lists.</summary>
public static class MigrationRoles
{
    public static readonly string[] Run = [Roles.ReleaseManager];
    public static readonly string[] Configure = [Roles.Admin];
}
