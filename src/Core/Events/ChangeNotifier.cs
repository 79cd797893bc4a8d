using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpsConsole.Core.Events;

/// <summary>
/// In-process "look again" notices for live views: a publisher says which thing changed, each
/// subscriber re-reads the store. Domain events go through the outbox; this carries no state. A
/// subscriber that throws is logged and skipped, so one broken view cannot stop the others, nor the
/// reconciler or job that published.
/// </summary>
public class ChangeNotifier<TChange>(ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly SubscriberList<Action<TChange>> _subscribers = new();

    public int SubscriberCount => _subscribers.Items.Count;

    public IDisposable Subscribe(Action<TChange> onChange) => _subscribers.Add(onChange);

    public void Publish(TChange change)
    {
        foreach (var s in _subscribers.Items)
        {
            try { s(change); }
            catch (Exception ex) { _logger.LogWarning(ex, "A live view failed to take the change {Change}", change); }
        }
    }
}
