using Hangfire;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// One migration batch. A retry (or a job resumed after a crash) runs the same batch id again; the
/// executor leaves a finished batch alone and the engine applies only what is still pending. When
/// the batch is a step of a deployment plan, the plan moves on (starts its rollout, or ends).
/// </summary>
public sealed class MigrationBatchJob(MigrationBatchExecutor executor, IServiceScopeFactory scopes)
{
    [AutomaticRetry(Attempts = MigrationBatchExecutor.MaxAttempts - 1, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Migration batch {0}")]
    public async Task RunAsync(Guid batchId, CancellationToken ct)
    {
        await executor.ExecuteAsync(batchId, ct);
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DeploymentPlanner>().AfterBatchAsync(batchId, ct);
    }
}
