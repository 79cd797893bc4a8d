using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Console.Tests.Store;

/// <summary>
/// The store on PostgreSQL shared by two console processes, as replicas run it: concurrent writers
/// in different processes extend one audit chain without gaps or forks, and the store refuses
/// changes to audit rows whoever asks. PostgreSQL by design (what it tests is PostgreSQL's advisory
/// locks and trigger), so it runs in every suite run on a throwaway server of its own.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PostgresReplicaTests(PostgresServer server)
{
    [Fact]
    public async Task Two_console_processes_writing_at_once_keep_one_gap_free_audit_chain()
    {
        var database = await server.CreateDatabaseAsync();
        var connection = server.ConnectionString(database);
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        await using var a = await ConsoleProcess.StartAsync(connection, token, "replica-a");
        await using var b = await ConsoleProcess.StartAsync(connection, token, "replica-b");

        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, connection);
        await using var db = new OpsDbContext(options.Options);
        // The first run's admin token is audited too.
        var before = await db.AuditEntries.CountAsync(e => e.Action == "token.create");

        // 2 x 15 changes through each replica's API at once, each one audited.
        const int perReplica = 15;
        await Task.WhenAll(new[] { a, b }.SelectMany(replica => Enumerable.Range(0, perReplica).Select(async i =>
        {
            using var client = replica.Client(token);
            var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = $"{replica.Name}-{i}", roles = new[] { Roles.Viewer } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        })));

        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.True(verdict.IsIntact, verdict.Reason);
        var sequences = await db.AuditEntries.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(before + 2 * perReplica, await db.AuditEntries.CountAsync(e => e.Action == "token.create"));
        Assert.Equal(verdict.EntriesChecked, sequences.Count);
    }

    [Fact]
    public async Task Replicas_migrating_at_once_take_turns_and_the_store_refuses_changes_to_audit_rows()
    {
        var database = await server.CreateDatabaseAsync();
        var connection = server.ConnectionString(database);
        OpsDbContext NewContext()
        {
            var options = new DbContextOptionsBuilder<OpsDbContext>();
            options.UseStore(StoreKind.Postgres, connection);
            return new OpsDbContext(options.Options);
        }

        // Four "replicas" start at once on an empty database: one migrates, the others wait and find nothing to do.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = NewContext();
            await StoreProvider.MigrateAsync(db);
        }));
        await using (var db = NewContext())
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            AuditTrail.Record(db, new Actor("alice", new HashSet<string> { Roles.Admin }, "corr"), "thing.create", "thing/1");
            await db.SaveChangesAsync();
        }

        // Even the database owner, straight through SQL: no UPDATE, DELETE or TRUNCATE of audit rows.
        await using var raw = new NpgsqlConnection(connection);
        await raw.OpenAsync();
        foreach (var sql in new[] { "UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory'", "DELETE FROM \"AuditEntries\"", "TRUNCATE \"AuditEntries\"" })
        {
            await using var command = new NpgsqlCommand(sql, raw);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText);
        }
        await using var check = NewContext();
        Assert.Equal("alice", (await check.AuditEntries.SingleAsync()).Actor);
    }

    /// <summary>A console started as its own OS process (dotnet OpsConsole.Console.dll) on the shared store.</summary>
    private sealed class ConsoleProcess : IAsyncDisposable
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

        public string Name { get; }
        public Uri Address { get; }

        public HttpClient Client(string token)
        {
            var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        public static async Task<ConsoleProcess> StartAsync(string storeConnection, string adminToken, string name)
        {
            var dataDirectory = Path.Combine(Path.GetTempPath(), "opsconsole-tests", "replica-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dataDirectory);
            var port = FreePort();
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "OpsConsole.Console.dll")])
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
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

        public string Output { get { lock (_output) return _output.ToString(); } }

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
}
