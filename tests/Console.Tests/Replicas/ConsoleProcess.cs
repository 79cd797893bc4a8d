using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Replicas;

/// <summary>
/// A console started as its own OS process (dotnet OpsConsole.Console.dll), as an operator runs each
/// replica: its own port and data folder, the settings given, waited for until /readyz answers.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string _dataDirectory;

    private ConsoleProcess(string name, Process process, StringBuilder output, string dataDirectory, Uri address)
    {
        Name = name;
        _process = process;
        _output = output;
        _dataDirectory = dataDirectory;
        Address = address;
    }

    /// <summary>The replica's name (OPS_INSTANCE); its lease holder names start with it.</summary>
    public string Name { get; }
    public Uri Address { get; }
    public bool HasExited => _process.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }

    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Starts a replica named <paramref name="name"/> with <paramref name="settings"/> (environment variables) and waits until it is ready.</summary>
    public static async Task<ConsoleProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "opsconsole-tests", "replica-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "OpsConsole.Console.dll")])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in settings) start.Environment[key] = value;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["OPS_DATA_DIR"] = dataDirectory;
        start.Environment["OPS_INSTANCE"] = name;
        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the console.");
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var replica = new ConsoleProcess(name, process, output, dataDirectory, new Uri($"http://127.0.0.1:{port}"));
        using var probe = new HttpClient { BaseAddress = replica.Address, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Wait.UntilAsync(async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"{name} exited ({process.ExitCode}): {replica.Output}");
                try { return (await probe.GetAsync("/readyz")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) { return false; }
            }, $"{name} to be ready", TimeSpan.FromSeconds(300)); // a cold start on a busy 2-core machine takes over a minute
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
        return replica;
    }

    /// <summary>SIGKILL to the console process alone: no shutdown hooks, no lease hand-over, as when a node dies.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
