using System.Diagnostics;
using System.Net.Http.Json;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;

namespace OpsConsole.Cluster.Tests;

/// <summary>A local cluster over a fresh temporary data folder, torn down with every process it started.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };

    private readonly bool _keepData;

    /// <param name="keepData">Leave the data folder behind on dispose (for a cluster that follows over it).</param>
    public TestCluster(string? dataDirectory = null, bool keepData = false)
    {
        _keepData = keepData;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "opsconsole-cluster-tests", Guid.NewGuid().ToString("N"));
        Adapter = new LocalClusterAdapter(Options(DataDirectory));
    }

    public string DataDirectory { get; }
    public LocalClusterAdapter Adapter { get; }

    public static LocalClusterOptions Options(string dataDirectory) => new()
    {
        DataDirectory = dataDirectory,
        ProbeInterval = TimeSpan.FromMilliseconds(500),
        InitialRestartBackoff = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Deploys and waits until every instance is healthy.</summary>
    public async Task<Revision> DeployReadyAsync(ServiceEnvironment target, RevisionSpec spec)
    {
        await Adapter.DeployRevisionAsync(target, spec);
        return await WaitForRevisionAsync(target, spec.Name, r => r.IsReady, "all instances healthy");
    }

    public async Task<Revision> WaitForRevisionAsync(ServiceEnvironment target, string revision, Func<Revision, bool> condition, string what)
    {
        Revision? last = null;
        await Eventually.TrueAsync(async () =>
        {
            last = await Adapter.GetRevisionAsync(target, revision);
            return last is not null && condition(last);
        }, TimeSpan.FromSeconds(60), () => $"{target} {revision}: {what}; last seen: {Describe(last)}");
        return last!;
    }

    public async Task<Uri> EndpointAsync(ServiceEnvironment target) =>
        (await Adapter.GetServiceAsync(target))?.Endpoint ?? throw new InvalidOperationException($"{target} has no ingress");

    /// <summary>Sends <paramref name="count"/> GET / through the ingress (a few at a time) and returns status and body of each.</summary>
    public async Task<List<Answer>> SendAsync(ServiceEnvironment target, int count, IReadOnlyDictionary<string, string>? headers = null)
    {
        var endpoint = await EndpointAsync(target);
        var answers = new List<Answer>();
        for (var done = 0; done < count; done += 8)
        {
            var batch = Enumerable.Range(0, Math.Min(8, count - done)).Select(async _ =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
                foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.Add(k, v);
                using var response = await Http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                return new Answer((int)response.StatusCode, body);
            });
            answers.AddRange(await Task.WhenAll(batch));
        }
        return answers;
    }

    public static async Task<WorkloadAnswer?> GetJsonAsync(Uri uri) => await Http.GetFromJsonAsync<WorkloadAnswer>(uri);

    public static bool IsAlive(int pid)
    {
        // A killed child that was not waited for yet is a zombie: gone for every purpose here.
        var stat = $"/proc/{pid}/stat";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var text = File.ReadAllText(stat);
                return text[(text.LastIndexOf(')') + 2)] != 'Z';
            }
            catch (IOException) { return false; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    public static string Describe(Revision? r) => r is null ? "(no revision)" :
        $"{r.Name} desired {r.DesiredInstances}: " + string.Join("; ", r.Instances.Select(i => $"{i.Id} {i.State} pid {i.ProcessId} restarts {i.Restarts} {i.LastError}"));

    public async ValueTask DisposeAsync()
    {
        await Adapter.DisposeAsync();
        if (_keepData) return;
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
    }
}

public sealed record Answer(int Status, string Body)
{
    public string? Version => Body.StartsWith('{') ? System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("version").GetString() : null;
    public string? Instance => Body.StartsWith('{') ? System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("instance").GetString() : null;
}

public sealed record WorkloadAnswer(string Service, string Version, string Instance);

public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return;
            if (sw.Elapsed > timeout) Assert.Fail($"Not true within {timeout.TotalSeconds:0} s: {describe()}");
            await Task.Delay(50);
        }
    }
}
