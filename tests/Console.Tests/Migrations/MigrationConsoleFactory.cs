using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Migrations;

/// <summary>
/// The console with the demo off (no workload processes, no traffic) and the demo's SQLite migration
/// targets seeded by hand: checkout, catalog and payments in dev, staging and prod, prod needing approval.
/// </summary>
public sealed class MigrationConsoleFactory : ConsoleFactory, IAsyncLifetime
{
    public MigrationConsoleFactory() : base(null) { }

    public async Task InitializeAsync() => await Services.SeedDemoMigrationTargetsAsync(Services.GetRequiredService<ConsoleSettings>());

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>A new user with these roles and a bearer token of theirs carrying them.</summary>
    public async Task<(string UserName, HttpClient Client)> UserClientAsync(params string[] roles)
    {
        var name = await this.CreateUserAsync(Names.Password(), roles);
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiTokens>()
            .IssueAsync(new Actor(name, new HashSet<string>(roles), "test"), "migrations", roles, null);
        return (name, CreateTokenClient(issued.Secret));
    }

    public static async Task<JsonElement> WaitForBatchAsync(HttpClient client, Guid id, params string[] statuses)
    {
        JsonElement batch = default;
        await Wait.UntilAsync(async () =>
        {
            batch = await (await client.GetAsync($"/api/v1/migration-batches/{id}")).ReadJsonAsync();
            return statuses.Contains(batch.GetProperty("status").GetString());
        }, $"batch {id} to be {string.Join(" or ", statuses)}", TimeSpan.FromSeconds(30));
        return batch;
    }

    public static async Task<Guid> PostRunAsync(HttpClient client, string path, object? body = null)
    {
        var response = await client.PostAsJsonAsync(path, body ?? new { }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Accepted);
        return (await response.ReadJsonAsync()).GetProperty("batchId").GetGuid();
    }
}
