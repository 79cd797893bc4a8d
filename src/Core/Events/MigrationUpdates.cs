using Microsoft.Extensions.Logging;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Events;

/// <summary>
/// "A migration batch changed, look again" (keyed by batch id) and its live progress. A batch's
/// latest progress is kept so a page that opens mid-run shows where it is.
/// </summary>
public sealed class MigrationUpdates(ILogger<MigrationUpdates>? logger = null) : ChangeNotifier<Guid>(logger)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, MigrationProgress> _progress = new();

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
}
