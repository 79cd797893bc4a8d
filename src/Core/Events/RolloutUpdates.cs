using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Events;

/// <summary>Which rollout's stored state changed (a step, a measurement), and its service/environment.</summary>
public readonly record struct RolloutChange(Guid RolloutId, string Subject);

/// <summary>
/// "A rollout changed, look again" for live views, plus the reconciler's wake-up: starting or acting
/// on a rollout asks for a pass now instead of at the next interval.
/// </summary>
public sealed class RolloutUpdates(ILogger<RolloutUpdates>? logger = null) : ChangeNotifier<RolloutChange>(logger)
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks the reconciler for a pass now (a rollout was started or acted on).</summary>
    public void Wake()
    {
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    public Task<bool> WaitForWakeAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);

    public void Publish(Guid rolloutId, string subject) => Publish(new RolloutChange(rolloutId, subject));
}
