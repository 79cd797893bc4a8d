namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// In-process notices of batch changes and live progress, for the UI (no polling). A batch's latest
/// progress is kept so a page that opens mid-run shows where it is.
/// </summary>
public sealed class MigrationUpdates
{
    private event Action<Guid>? Changed;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, MigrationProgress> _progress = new();

    public IDisposable Subscribe(Action<Guid> onChange)
    {
        Changed += onChange;
        return new Unsubscriber(() => Changed -= onChange);
    }

    public void Publish(Guid batchId) => Changed?.Invoke(batchId);

    public void Report(MigrationProgress progress)
    {
        _progress[progress.BatchId] = progress;
        Publish(progress.BatchId);
    }

    public MigrationProgress? Progress(Guid batchId) => _progress.GetValueOrDefault(batchId);

    public void Finished(Guid batchId)
    {
        _progress.TryRemove(batchId, out _);
        Publish(batchId);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
