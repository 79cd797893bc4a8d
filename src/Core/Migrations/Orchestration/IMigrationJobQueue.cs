namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>Runs a batch now or at a time (Hangfire in the console).</summary>
public interface IMigrationJobQueue
{
    void RunNow(Guid batchId);
    void RunAt(Guid batchId, DateTime whenUtc);
}
