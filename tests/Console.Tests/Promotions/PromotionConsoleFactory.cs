using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Config;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Promotions;

/// <summary>A freeze calendar a test sets: "service/environment" keys that are frozen, with the window's name.</summary>
public sealed class FakeFreezeCalendar : IFreezeCalendar
{
    public ConcurrentDictionary<string, string> Frozen { get; } = new();

    public Task<FreezeState> StateAsync(string service, string environment, DateTime utc, CancellationToken ct = default) =>
        Task.FromResult(Frozen.TryGetValue($"{service}/{environment}", out var window)
            ? new FreezeState(true, window, utc.AddHours(12), null)
            : FreezeState.Open);
}

/// <summary>A config store a test sets: per "service/environment" a dictionary; the hash follows the content.</summary>
public sealed class FakeConfigSnapshots : IConfigSnapshots
{
    public ConcurrentDictionary<string, Dictionary<string, string>> Configs { get; } = new();

    public Task<ConfigSnapshot> CurrentAsync(string service, string environment, CancellationToken ct = default)
    {
        var config = new SortedDictionary<string, string>(Configs.TryGetValue($"{service}/{environment}", out var c) ? c : [], StringComparer.Ordinal);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(config))));
        return Task.FromResult(new ConfigSnapshot(config, hash));
    }
}

/// <summary>
/// The console (demo off) over the in-memory cluster, with a fake freeze calendar and config store,
/// and helpers to seed releases, pipelines and targets straight into the store.
/// </summary>
public sealed class PromotionConsoleFactory : ConsoleFactory
{
    public PromotionConsoleFactory() : base(null) { }

    /// <summary>A canary that goes to 100 % at once: a promotion's rollout ends Healthy within a reconciler pass or two.</summary>
    public const string QuickStrategy = """{"canary":{"steps":[{"setWeight":100}]}}""";

    /// <summary>A canary that waits until someone acts: the rollout stays in flight (abort it to fail the promotion).</summary>
    public const string WaitingStrategy = """{"canary":{"steps":[{"pause":{}}]}}""";

    public FakeFreezeCalendar Freezes { get; } = new();
    public FakeConfigSnapshots Configs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()));
            s.RemoveAll<IFreezeCalendar>();
            s.AddSingleton<IFreezeCalendar>(Freezes);
            s.RemoveAll<IConfigSnapshots>();
            s.AddSingleton<IConfigSnapshots>(Configs);
        });
    }

    /// <summary>
    /// A new service with a release 1.0.0 and the pipeline dev (order 0) -> prod (order 1), each stage as given,
    /// deploy targets with <paramref name="strategy"/>. Returns the service name.
    /// </summary>
    public async Task<string> SeedPipelineAsync(Action<PipelineStage>? dev = null, Action<PipelineStage>? prod = null, string strategy = QuickStrategy,
        params string[] passedChecks)
    {
        var service = Names.Unique("svc");
        await WithStoreAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var release = new Release
            {
                Service = service, Version = "1.0.0", CommitSha = "0123456789abcdef0123456789abcdef01234567", CommitTime = now.AddHours(-2),
                Changelog = "- first release", RegisteredBy = "ci", RegisteredAt = now, ContentHash = Guid.NewGuid().ToString("N"),
            };
            db.Releases.Add(release);
            foreach (var name in passedChecks)
                db.ReleaseChecks.Add(new ReleaseCheck { ReleaseId = release.Id, Name = name, Passed = true, Tests = 3, ReportedBy = "ci", ReportedAt = now });
            var devStage = new PipelineStage { Service = service, Environment = "dev", Order = 0, UpdatedAt = now };
            var prodStage = new PipelineStage { Service = service, Environment = "prod", Order = 1, UpdatedAt = now };
            dev?.Invoke(devStage);
            prod?.Invoke(prodStage);
            db.PipelineStages.AddRange(devStage, prodStage);
            foreach (var env in new[] { "dev", "prod" })
                db.DeployTargets.Add(new DeployTarget { Service = service, Environment = env, DefaultStrategyJson = strategy, CreatedAt = now, UpdatedAt = now });
            return await db.SaveChangesAsync();
        });
        return service;
    }

    /// <summary>A new user with these roles and a bearer token of theirs carrying them.</summary>
    public async Task<(string UserName, HttpClient Client)> UserClientAsync(params string[] roles)
    {
        var name = await this.CreateUserAsync(Names.Password(), roles);
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiTokens>()
            .IssueAsync(new Actor(name, new HashSet<string>(roles), "test"), Names.Unique("promotions"), roles, null);
        return (name, CreateTokenClient(issued.Secret));
    }

    /// <summary>A Ci-scoped token issued by <paramref name="issuer"/> (a ReleaseManager).</summary>
    public async Task<HttpClient> CiClientAsync(string issuer)
    {
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiTokens>()
            .IssueAsync(new Actor(issuer, new HashSet<string>([Roles.ReleaseManager]), "test"), Names.Unique("pipeline"), [TokenScopes.Ci], null);
        return CreateTokenClient(issued.Secret);
    }

    public static async Task<Guid> RequestAsync(HttpClient client, string service, string environment, string version = "1.0.0")
    {
        var response = await client.PostAsJsonAsync("/api/v1/promotions", new { service, version, environment }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, Guid id) =>
        await (await client.GetAsync($"/api/v1/promotions/{id}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

    public static async Task<JsonElement> WaitForAsync(HttpClient client, Guid id, params string[] statuses)
    {
        JsonElement promotion = default;
        await Wait.UntilAsync(async () =>
        {
            promotion = await GetAsync(client, id);
            return statuses.Contains(promotion.GetProperty("status").GetString());
        }, $"promotion {id} to be {string.Join(" or ", statuses)}", TimeSpan.FromSeconds(30));
        return promotion;
    }

    public static JsonElement GateOf(JsonElement promotion, string name) =>
        promotion.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    public Task<int> CountEventsAsync(string type, Guid promotionId) =>
        WithStoreAsync(db => db.OutboxEvents.CountAsync(e => e.Type == type && e.CloudEventJson.Contains(promotionId.ToString())));

    public Task<int> CountAuditAsync(string action, string target) =>
        WithStoreAsync(db => db.AuditEntries.CountAsync(e => e.Action == action && e.Target == target));
}
