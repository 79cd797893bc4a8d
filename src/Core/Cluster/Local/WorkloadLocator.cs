namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// Finds the demo workload and the <c>dotnet</c> host that runs it.
///
/// How the workload gets there: every project that runs the local cluster (src/Console, the cluster
/// tests) imports <c>src/Workload/OpsConsole.Workload.targets</c>, which references the workload
/// project without referencing its assembly and copies its build output into a <c>workload/</c>
/// folder beside the application (also on publish). So <c>dotnet run --project src/Console</c> on a
/// fresh clone, <c>dotnet test</c> and a published console all find it at
/// <c>AppContext.BaseDirectory/workload/OpsConsole.Workload.dll</c>; <see cref="LocalClusterOptions.WorkloadPath"/>
/// overrides that.
/// </summary>
public static class WorkloadLocator
{
    public const string AssemblyFileName = "OpsConsole.Workload.dll";
    public const string FolderName = "workload";

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, FolderName, AssemblyFileName);

    /// <summary>The workload's assembly, or an exception that says how to get it.</summary>
    public static string FindWorkload(string? configured)
    {
        var path = Path.GetFullPath(string.IsNullOrEmpty(configured) ? DefaultPath : configured);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The demo workload was not found at {path}. Build the application (its project imports src/Workload/OpsConsole.Workload.targets, " +
                "which copies the workload into a 'workload' folder beside it) or set the workload path in the cluster settings.", path);
        return path;
    }

    /// <summary>
    /// The <c>dotnet</c> host: configured, else the one that runs this process (the shared runtime
    /// lives at <c>DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/</c>), else DOTNET_ROOT, else PATH.
    /// </summary>
    public static string FindDotnet(string? configured)
    {
        if (!string.IsNullOrEmpty(configured)) return configured;
        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self).Equals(exe, StringComparison.OrdinalIgnoreCase))
            return self;
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (!string.IsNullOrEmpty(runtimeDir))
        {
            var root = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
            if (File.Exists(Path.Combine(root, exe))) return Path.Combine(root, exe);
        }
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot && File.Exists(Path.Combine(dotnetRoot, exe)))
            return Path.Combine(dotnetRoot, exe);
        return exe;
    }
}
