using Microsoft.AspNetCore.Components;

namespace OpsConsole.Console.Components.Shared;

/// <summary>
/// A console page that stays current without polling. A page names what it listens to with
/// <see cref="Listen"/> (notifier or <c>LiveEvents</c> subscriptions whose callbacks call
/// <see cref="Refresh"/>) and reads its data in <see cref="LoadAsync"/>. Notices arrive on the
/// publisher's thread; <see cref="Refresh"/> hops onto the circuit, and a burst of notices becomes
/// one re-read plus at most one more (<see cref="LiveRefresh"/>). Disposing ends every subscription,
/// so a closed tab stops costing reads.
/// </summary>
public abstract class LivePage : ConsoleComponent, IDisposable
{
    [Inject] private ILoggerFactory LoggerFactory { get; set; } = default!;

    private readonly List<IDisposable> _subscriptions = [];
    private LiveRefresh? _refresh;
    private bool _disposed;

    /// <summary>True once the page listens for changes: only an interactive circuit can be pushed to.</summary>
    protected bool IsLive => _subscriptions.Count > 0;

    /// <summary>Reads what the page shows; runs on the circuit, never twice at once.</summary>
    protected abstract Task LoadAsync();

    /// <summary>
    /// Subscribes when the page is interactive (prerendering has no circuit to push to). Call it
    /// before the first read, so a change saved in between is not missed.
    /// </summary>
    protected void Listen(params Func<IDisposable>[] subscribe)
    {
        if (_disposed || !RendererInfo.IsInteractive) return;
        foreach (var s in subscribe) _subscriptions.Add(s());
    }

    /// <summary>Safe from any thread: schedules a re-read and a render, and returns at once.</summary>
    protected void Refresh() => _ = InvokeAsync(async () =>
    {
        try
        {
            await ReloadAsync();
            StateHasChanged();
        }
        catch (Exception ex)
        {
            LoggerFactory.CreateLogger(GetType()).LogWarning(ex, "{Page}: the live view could not refresh", GetType().Name);
        }
    });

    /// <summary>Re-reads now on the circuit (after the page's own action), coalesced with any refresh under way.</summary>
    protected Task ReloadAsync()
    {
        _refresh ??= new LiveRefresh(LoadAsync);
        return _refresh.RequestAsync();
    }

    public void Dispose()
    {
        _disposed = true;
        _refresh?.Stop();
        foreach (var s in _subscriptions) s.Dispose();
        _subscriptions.Clear();
        OnDispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>For a page that holds more than subscriptions (a timer).</summary>
    protected virtual void OnDispose() { }
}
