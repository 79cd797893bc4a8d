using OpsConsole.Core.Events;

namespace OpsConsole.Console.Jobs;

/// <summary>Runs the outbox tail of a replica that shares its store: other replicas' events pushed to this replica's live views.</summary>
public sealed class OutboxTailService(OutboxTail tail) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => tail.RunAsync(stoppingToken);
}
