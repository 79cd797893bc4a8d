using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Console.Tests.Components.Migrations;

/// <summary>The one rule the batch page and the overview ask before offering "Approve".</summary>
public sealed class MigrationApprovalTests
{
    /// <summary>A batch as the coordinator records it on request: with its source checksum and the SQL it runs.</summary>
    private static MigrationBatch Batch(MigrationBatchStatus status = MigrationBatchStatus.AwaitingApproval) =>
        new() { Service = "checkout", Environment = "prod", Status = status, RequestedBy = "rita", SourceChecksum = "checksum", ChangesJson = "{}" };

    private static Actor As(string name, params string[] roles) => new(name, new HashSet<string>(roles), "test");

    [Fact]
    public void Another_release_manager_may_approve_a_waiting_batch() =>
        Assert.Null(MigrationApproval.Check(Batch(), As("max", Roles.ReleaseManager)));

    [Fact]
    public void The_requester_may_not_approve_even_with_other_casing() =>
        Assert.Contains("may not approve", MigrationApproval.Check(Batch(), As("RITA", Roles.ReleaseManager)));

    [Fact]
    public void Someone_without_the_role_may_not_approve() =>
        Assert.Contains(Roles.ReleaseManager, MigrationApproval.Check(Batch(), As("otto", Roles.OnCall, Roles.Admin)));

    [Fact]
    public void A_batch_not_awaiting_approval_cannot_be_approved() =>
        Assert.Contains("Succeeded", MigrationApproval.Check(Batch(MigrationBatchStatus.Succeeded), As("max", Roles.ReleaseManager)));

    [Fact]
    public void A_batch_without_recorded_SQL_cannot_be_approved_because_the_approval_would_cover_nothing_shown()
    {
        var batch = Batch();
        batch.ChangesJson = null;
        Assert.Contains("request it again", MigrationApproval.Check(batch, As("max", Roles.ReleaseManager)));
    }
}
