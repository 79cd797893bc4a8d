using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>
/// Somewhere relayed events go. Durable sinks (webhooks) write through <paramref name="db"/>, whose
/// changes commit together with the event being marked relayed; live sinks push and return.
/// </summary>
public interface IEventSink
{
    /// <summary>
    /// A live sink only pushes (nothing to commit): it is sent each event first, and an event this
    /// console committed is sent to it right after the commit, before the relay reads it back, and
    /// then without a unit of work (<c>db</c> is null): a live sink must not use it.
    /// </summary>
    bool Live => false;

    Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct);

    /// <summary>Called after the batch that included these events committed.</summary>
    Task AfterCommitAsync(CancellationToken ct) => Task.CompletedTask;
}
