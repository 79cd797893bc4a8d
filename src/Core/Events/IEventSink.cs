using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>
/// Somewhere relayed events go. Durable sinks (webhooks) write through <paramref name="db"/>, whose
/// changes commit together with the event being marked relayed; live sinks push and return.
/// </summary>
public interface IEventSink
{
    Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct);

    /// <summary>Called after the batch that included these events committed.</summary>
    Task AfterCommitAsync(CancellationToken ct) => Task.CompletedTask;
}
