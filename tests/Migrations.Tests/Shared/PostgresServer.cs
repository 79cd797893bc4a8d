using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OpsConsole.Migrations.Tests.Shared;

/// <summary>
/// A throwaway PostgreSQL cluster from the machine's own server binaries: initdb into a temp folder,
/// started on a free loopback port with fsync off, stopped and deleted at the end. Each test gets a
/// database of its own. Missing binaries fail the tests (with what to install), never skip them.
/// Run as root, the cluster runs as the postgres user, which owns its folder.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _root;
    private string? _bin;
    private bool _running;

    public int Port { get; private set; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=15";

    public string ConnectionString(string database, string user = "postgres", string? password = null) =>
        $"Host=127.0.0.1;Port={Port};Username={user};Database={database};Timeout=15" + (password is null ? "" : $";Password={password}");

    public async Task InitializeAsync()
    {
        _bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found, so the migration tests cannot run against a real PostgreSQL. " +
            "Install Debian's package: apt-get install -y postgresql (./test.sh does this), or point OPSCONSOLE_PG_BINDIR at the folder holding initdb.");
        var asRoot = IsRoot();
        if (asRoot && !UserExists("postgres"))
            throw new InvalidOperationException("Running as root, the tests start PostgreSQL as the 'postgres' user, which does not exist. Install Debian's postgresql package (it creates the user).");

        _root = Path.Combine(Path.GetTempPath(), "opsconsole-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        if (asRoot) await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);
        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], asRoot);

        Port = FreePort();
        var options = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start"], asRoot);
        _running = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().GetAwaiter().GetResult();
    }

    /// <summary>A fresh, empty database for one test; returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await ExecuteAsync($"CREATE DATABASE {name}");
        return name;
    }

    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(database == "postgres" ? AdminConnectionString : ConnectionString(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await StopAsync();

    private async Task StopAsync()
    {
        if (_running && _bin is not null && _root is not null)
        {
            _running = false;
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], IsRoot());
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        if (_root is not null && Directory.Exists(_root))
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

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

    private static bool IsRoot() => Environment.UserName == "root";

    private static bool UserExists(string user) => File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres)
        {
            start.FileName = File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", file }) start.ArgumentList.Add(a);
        }
        else start.FileName = file;
        foreach (var a in args) start.ArgumentList.Add(a);
        // The server inherits this working directory; it must be one the postgres user may enter.
        start.WorkingDirectory = _root ?? Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = _root is not null && File.Exists(Path.Combine(_root, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(_root, "server.log")) : "";
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}\n{log}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "databases";
}
