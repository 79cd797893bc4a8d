using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Replicas;

/// <summary>Two console replicas on one store (OPS_SHARED_STORE): what one does reaches the other's live clients.</summary>
public sealed class SharedStoreTests
{
    private static async Task<HubConnection> ConnectAsync(ConsoleFactory replica, string token)
    {
        var server = replica.Server;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/events"), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    [Fact]
    public async Task A_hub_client_on_one_replica_receives_once_the_event_caused_on_the_other()
    {
        var dir = Path.Combine(Path.GetTempPath(), "opsconsole-tests", Guid.NewGuid().ToString("N"));
        var shared = new Dictionary<string, string?>
        {
            ["OPS_SHARED_STORE"] = "true",
            ["OPS_SQLITE_FILE"] = Path.Combine(dir, "shared.db"),
            ["OPS_ADMIN_TOKEN"] = "opc_admin_" + Guid.NewGuid().ToString("N"),
            ["OPS_ADMIN_PASSWORD"] = "admin-pw-" + Guid.NewGuid().ToString("N"),
        };
        try
        {
            // Each replica has its own data folder (its local cluster, its job store); the store is one file.
            await using var a = ConsoleFactory.OnDataDirectory(Path.Combine(dir, "a"), shared);
            await using var b = ConsoleFactory.OnDataDirectory(Path.Combine(dir, "b"), shared);
            _ = a.Server;
            _ = b.Server;
            var adminToken = shared["OPS_ADMIN_TOKEN"]!;
            await using var connection = await ConnectAsync(a, adminToken);
            var userName = Names.Unique("replica");
            var received = new List<string>();
            var created = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.On<JsonElement>("event", e =>
            {
                if (e.GetProperty("subject").GetString() != $"user/{userName}") return;
                lock (received) received.Add(e.GetProperty("id").GetString()!);
                if (e.GetProperty("type").GetString() == "user.created") created.TrySetResult(e);
            });
            Assert.Equal("s:user/*", await connection.InvokeAsync<string>("Subscribe", "user/*"));

            using var adminOnB = b.CreateTokenClient(adminToken);
            using (var response = await adminOnB.PostAsync("/api/v1/users", System.Net.Http.Json.JsonContent.Create(
                       new { userName, password = Names.Password(), roles = new[] { Roles.OnCall } }, options: TestApi.Json)))
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);

            var e = await created.Task.WaitAsync(TimeSpan.FromSeconds(20));
            var id = e.GetProperty("id").GetString();
            Assert.True(await a.WithStoreAsync(db => db.OutboxEvents.AnyAsync(o => o.Id == id)));

            // A later event on the same subject, caused on a, arrives after it: the first was not pushed twice in between.
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.On<JsonElement>("event", ev => { if (ev.GetProperty("type").GetString() == "user.changed") changed.TrySetResult(); });
            using var adminOnA = a.CreateTokenClient(adminToken);
            using (var response = await adminOnA.PutAsync($"/api/v1/users/{userName}/roles", System.Net.Http.Json.JsonContent.Create(new { roles = new[] { Roles.Viewer } }, options: TestApi.Json)))
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(20));
            lock (received) Assert.Single(received, x => x == id);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
