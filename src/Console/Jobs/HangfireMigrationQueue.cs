using Hangfire;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Console.Jobs;

/// <summary>Queues migration batches as Hangfire jobs through the DI client (no static state).</summary>
public sealed class HangfireMigrationQueue(IBackgroundJobClient jobs) : IMigrationJobQueue
{
    public void RunNow(Guid batchId) => jobs.Enqueue<MigrationBatchJob>(j => j.RunAsync(batchId, CancellationToken.None));

    public void RunAt(Guid batchId, DateTime whenUtc) =>
        jobs.Schedule<MigrationBatchJob>(j => j.RunAsync(batchId, CancellationToken.None), new DateTimeOffset(DateTime.SpecifyKind(whenUtc, DateTimeKind.Utc)));
}
