using OpsConsole.Core.Egress;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Runbooks.Actions;
using OpsConsole.Core.Runbooks.Search;

namespace OpsConsole.Console.Hosting;

public static class RunbookSetup
{
    /// <summary>
    /// Where runbooks are read from: OPS_RUNBOOKS_DIR, else the repository's runbooks/ (beside the
    /// content root, or two levels up when run from src/Console), else runbooks/ beside the binaries.
    /// </summary>
    public static string RunbooksDirectory(IConfiguration config, string contentRoot)
    {
        if (config["OPS_RUNBOOKS_DIR"] is { Length: > 0 } dir) return Path.GetFullPath(dir);
        string[] candidates =
        [
            Path.Combine(contentRoot, "runbooks"),
            Path.GetFullPath(Path.Combine(contentRoot, "..", "..", "runbooks")),
            Path.Combine(AppContext.BaseDirectory, "runbooks"),
        ];
        return candidates.FirstOrDefault(Directory.Exists) ?? candidates[0];
    }

    /// <summary>Runbooks with their actions, the folder imported at start and whenever it changes, and the HTTP check's egress client.</summary>
    public static IServiceCollection AddConsoleRunbooks(this IServiceCollection services, IConfiguration config, IWebHostEnvironment env)
    {
        services.AddRunbooks();
        services.AddSingleton(new RunbookFolder(RunbooksDirectory(config, env.ContentRootPath)));
        services.AddSingleton<RunbookImportStatus>();
        services.AddHostedService<RunbookFolderWatcher>();
        return services;
    }
}

/// <summary>The last import of the runbooks folder: when, and which files it refused and why (shown on the runbooks page).</summary>
public sealed class RunbookImportStatus
{
    public DateTime? LastImportAt { get; private set; }
    public RunbookImportReport? LastReport { get; private set; }

    public void Set(DateTime at, RunbookImportReport report)
    {
        LastImportAt = at;
        LastReport = report;
    }
}

/// <summary>
/// Creates the search index, imports the runbooks folder at start, then again whenever a file in it
/// changes (a burst of changes is one import, half a second after the last).
/// </summary>
public sealed partial class RunbookFolderWatcher(IServiceScopeFactory scopes, RunbookFolder folder, RunbookImportStatus status, ILogger<RunbookFolderWatcher> logger)
    : IHostedService, IDisposable
{
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            await scope.ServiceProvider.GetRequiredService<IRunbookSearch>().EnsureAsync(db, cancellationToken);
        }
        await ImportAsync(cancellationToken);
        if (!Directory.Exists(folder.Path)) return;
        _debounce = new Timer(_ => _ = ImportAsync(CancellationToken.None), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(folder.Path, "*.md") { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        FileSystemEventHandler changed = (_, _) => _debounce.Change(500, Timeout.Infinite);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Renamed += (_, _) => _debounce.Change(500, Timeout.Infinite);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Imports the folder now (also called by tests and after a change).</summary>
    public async Task ImportAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<RunbookLibrary>().ImportAsync(folder.Read(), ct);
            status.Set(DateTime.UtcNow, report);
            if (report.Created.Count + report.Updated.Count > 0)
                LogImported(report.Created.Count, report.Updated.Count, folder.Path);
            foreach (var (file, error) in report.Errors) LogRefused(file, error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFolderError(e, folder.Path);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is not null) _watcher.EnableRaisingEvents = false;
        _debounce?.Change(Timeout.Infinite, Timeout.Infinite);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Runbooks imported: {Created} new, {Updated} changed, from {Folder}")]
    private partial void LogImported(int created, int updated, string folder);

    [LoggerMessage(LogLevel.Warning, "Runbook file {File} was not imported: {Error}")]
    private partial void LogRefused(string file, string error);

    [LoggerMessage(LogLevel.Warning, "The runbooks folder {Folder} could not be read")]
    private partial void LogFolderError(Exception e, string folder);
}
