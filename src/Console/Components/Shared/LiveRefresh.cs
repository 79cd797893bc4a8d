namespace OpsConsole.Console.Components.Shared;

/// <summary>
/// Turns a stream of "something changed" notices into reloads: at most one reload runs at a time,
/// and any number of notices that arrive during it cause exactly one more. A running analysis
/// saves a measurement every second per metric, so without this a busy board would reload for
/// each of them back to back. Call <see cref="RequestAsync"/> on the component's dispatcher
/// (InvokeAsync), which is what keeps the two flags free of races.
/// </summary>
public sealed class LiveRefresh(Func<Task> reload)
{
    private bool _running, _pending, _stopped;

    public async Task RequestAsync()
    {
        if (_stopped) return;
        if (_running)
        {
            _pending = true;
            return;
        }
        _running = true;
        try
        {
            do
            {
                _pending = false;
                await reload();
            }
            while (_pending && !_stopped);
        }
        finally
        {
            _running = false;
        }
    }

    /// <summary>No more reloads (the component is going away).</summary>
    public void Stop() => _stopped = true;
}
