using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

/// <summary>
/// A throwaway PostgreSQL server from Debian's binaries, as the test script starts one: initdb into a
/// temp folder (trust auth, no sync), pg_ctl on a free loopback port, the unix socket in the temp
/// folder, fsync off. Run as root, the server runs as the postgres user, which owns the folder.
/// </summary>
sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _bin;
    private bool _running;

    private ThrowawayPostgres(string root, string bin, int port)
    {
        _root = root;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=15";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found: install Debian's postgresql package, or set OPSCONSOLE_PG_BINDIR to the folder holding initdb.");
        var root = Path.Combine(Path.GetTempPath(), "opsconsole-bench-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var server = new ThrowawayPostgres(root, bin, Replica.FreePort());
        if (IsRoot) await server.RunAsync("chown", ["postgres:postgres", root], asPostgres: false);
        var data = Path.Combine(root, "data");
        await server.RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], IsRoot);
        var options = $"-p {server.Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        await server.RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"], IsRoot);
        server._running = true;
        return server;
    }

    /// <summary>A fresh database with the console's store migrated into it; returns its connection string.</summary>
    public async Task<string> CreateStoreAsync(string name)
    {
        await using (var admin = new Npgsql.NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false"))
        {
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connection = ConnectionString(name);
        await using var db = Store(connection);
        await StoreProvider.MigrateAsync(db);
        return connection;
    }

    public static OpsDbContext Store(string connection)
    {
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, connection);
        return new OpsDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            _running = false;
            try { await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], IsRoot); }
            catch (InvalidOperationException) { } // already stopped
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string? FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_PG_BINDIR") is { Length: > 0 } configured) candidates.Add(configured);
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _root };
        if (asPostgres)
        {
            start.FileName = File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", file }) start.ArgumentList.Add(a);
        }
        else start.FileName = file;
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = File.Exists(Path.Combine(_root, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(_root, "server.log")) : "";
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}\n{log}");
        }
    }
}

/// <summary>
/// A console replica as its own OS process (<c>dotnet OpsConsole.Console.dll</c> from the console's
/// build output) on the shared PostgreSQL store, with its own data folder (its local cluster).
/// </summary>
sealed class Replica : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string _dataDirectory;

    private Replica(string name, Process process, string dataDirectory, Uri address)
    {
        Name = name;
        Process = process;
        _dataDirectory = dataDirectory;
        Address = address;
    }

    public string Name { get; }
    public Process Process { get; }
    public Uri Address { get; }

    /// <summary>The replica's name in the store's leases: OPS_INSTANCE, its process id, a random suffix.</summary>
    public bool Holds(string? holder) => holder is not null && holder.StartsWith($"{Name}-{Process.Id}-", StringComparison.Ordinal);

    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// The console's build output: OPSCONSOLE_CONSOLE_DLL when set, else src/Console/bin/Release/net10.0
    /// of the checkout this benchmark was built in (found by walking up to OpsConsole.sln).
    /// </summary>
    public static string ConsoleDll()
    {
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_CONSOLE_DLL") is { Length: > 0 } configured) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "OpsConsole.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "src", "Console", "bin", "Release", "net10.0", "OpsConsole.Console.dll");
            if (File.Exists(dll)) return dll;
            throw new InvalidOperationException($"The console is not built: {dll} is missing. Run: dotnet build benchmarks/Replicas -c Release");
        }
        throw new InvalidOperationException("The checkout (OpsConsole.sln) was not found above the benchmark; set OPSCONSOLE_CONSOLE_DLL to the console's OpsConsole.Console.dll.");
    }

    public static async Task<Replica> StartAsync(string storeConnection, string adminToken, string name)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "opsconsole-bench", "replica-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var port = FreePort();
        var dll = ConsoleDll();
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["OPS_STORE"] = "postgres";
        start.Environment["OPS_STORE_CONNECTION"] = storeConnection;
        start.Environment["OPS_DATA_DIR"] = dataDirectory;
        start.Environment["OPS_INSTANCE"] = name;
        start.Environment["OPS_ADMIN_PASSWORD"] = "pw-" + Guid.NewGuid().ToString("N");
        start.Environment["OPS_ADMIN_TOKEN"] = adminToken;
        start.Environment["OPS_DEMO"] = "false";
        start.Environment["OPS_JOB_POLL_SECONDS"] = "0.5";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the console.");
        var replica = new Replica(name, process, dataDirectory, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => replica.Append(e.Data);
        process.ErrorDataReceived += (_, e) => replica.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = replica.Address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var output = replica.Output;
                await replica.DisposeAsync();
                throw new InvalidOperationException($"{name} exited ({process.ExitCode}): {output}");
            }
            try
            {
                if ((await probe.GetAsync("/readyz")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (waited.Elapsed > TimeSpan.FromMinutes(5))
            {
                await replica.DisposeAsync();
                throw new TimeoutException($"{name} was not ready within 5 minutes: {replica.Output}");
            }
            await Task.Delay(250);
        }
        return replica;
    }

    private void Append(string? line)
    {
        lock (_output) if (_output.Length < 200_000) _output.AppendLine(line);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>SIGKILL of the console process alone (its workload instances notice and exit by themselves).</summary>
    public void Kill() => Process.Kill(entireProcessTree: false);

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

static class Figures
{
    public static double P(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Round(q * (sorted.Count - 1)))];

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
