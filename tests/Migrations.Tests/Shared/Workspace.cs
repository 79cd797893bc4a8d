using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Migrations.Tests.Shared;

/// <summary>A temp folder of migration sources that a test writes change by change.</summary>
public sealed class Workspace : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "opsconsole-migrations-tests", Guid.NewGuid().ToString("N"));

    public string Service { get; }

    public Workspace(string service = "shop")
    {
        Service = service;
        Directory.CreateDirectory(ServiceDirectory);
    }

    public string ServiceDirectory => Path.Combine(Root, Service);

    public Workspace Change(string folder, string deploy, string verify, string? revert = null, string? yaml = null)
    {
        var dir = Path.Combine(ServiceDirectory, folder);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "deploy.sql"), deploy);
        File.WriteAllText(Path.Combine(dir, "verify.sql"), verify);
        if (revert is not null) File.WriteAllText(Path.Combine(dir, "revert.sql"), revert);
        if (yaml is not null) File.WriteAllText(Path.Combine(dir, "change.yaml"), yaml);
        return this;
    }

    public void Write(string relative, string text) => File.WriteAllText(Path.Combine(ServiceDirectory, relative), text);

    public void WriteBytes(string relative, byte[] bytes)
    {
        var path = Path.Combine(ServiceDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    public MigrationSource Source(MigrationSourceLimits? limits = null) => MigrationSource.ReadFolder(ServiceDirectory, Service, limits);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

public static class Actors
{
    public static readonly Actor ReleaseManager = new("rita", new HashSet<string> { Roles.ReleaseManager }, "corr-rm");
    public static readonly Actor Viewer = new("victor", new HashSet<string> { Roles.Viewer }, "corr-viewer");
}

/// <summary>An <see cref="IProgress{T}"/> that records synchronously on the runner's own thread (Progress&lt;T&gt; would post elsewhere).</summary>
public sealed class RecordingProgress(Action<MigrationProgress>? onReport = null) : IProgress<MigrationProgress>
{
    public List<MigrationProgress> Reports { get; } = [];

    public void Report(MigrationProgress value)
    {
        lock (Reports) Reports.Add(value);
        onReport?.Invoke(value);
    }
}
