using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;

namespace OpsConsole.Console.Tests.Releases;

public sealed class SecretsApiTests(ReleasesConsoleFactory factory) : IClassFixture<ReleasesConsoleFactory>
{
    [Fact]
    public async Task A_deployed_secret_reaches_the_workload_only_and_appears_in_no_response_log_event_or_audit_entry()
    {
        var secret = "pw-" + Guid.NewGuid().ToString("N");
        var service = "payments";
        await factory.SeedTargetsAsync(service);
        using var admin = factory.CreateAdminClient();
        var bodies = new List<string>();
        async Task<HttpResponseMessage> Keep(Task<HttpResponseMessage> call)
        {
            var response = await call;
            bodies.Add(await response.Content.ReadAsStringAsync());
            return response;
        }

        await Keep(admin.PutAsJsonAsync($"/api/v1/config/{service}/prod/DB_PASSWORD", new { value = secret, secret = true }, TestApi.Json)).EnsureStatusAsync(HttpStatusCode.OK);
        await Keep(admin.PutAsJsonAsync($"/api/v1/config/{service}/prod/FEATURE_X", new { value = "on" }, TestApi.Json)).EnsureStatusAsync(HttpStatusCode.OK);
        await Keep(admin.PutAsJsonAsync($"/api/v1/config/{service}/staging/DB_PASSWORD", new { value = secret + "-staging", secret = true }, TestApi.Json)).EnsureStatusAsync(HttpStatusCode.OK);
        // Refusals must not echo the value either.
        await Keep(admin.PutAsJsonAsync($"/api/v1/config/{service}/prod/LD_PRELOAD", new { value = secret, secret = true }, TestApi.Json)).EnsureStatusAsync(HttpStatusCode.BadRequest);
        await Keep(admin.PutAsJsonAsync($"/api/v1/config/{service}/prod/BROKEN", new { value = secret + "\u0007", secret = true }, TestApi.Json)).EnsureStatusAsync(HttpStatusCode.BadRequest);

        var list = await Keep(admin.GetAsync($"/api/v1/config/{service}/prod")).EnsureStatusAsync(HttpStatusCode.OK);
        var item = (await list.ReadJsonAsync()).EnumerateArray().Single(i => i.GetProperty("key").GetString() == "DB_PASSWORD");
        Assert.True(item.GetProperty("secret").GetBoolean());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("value").ValueKind);
        Assert.StartsWith("••••", item.GetProperty("display").GetString());

        var snapshot = await (await Keep(admin.GetAsync($"/api/v1/config/{service}/prod/snapshot")).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var workload = snapshot.GetProperty("workload").Deserialize<Dictionary<string, string>>(TestApi.Json)!;
        Assert.Equal("${secret:DB_PASSWORD@1}", workload["DB_PASSWORD"]);

        // Deploy with the snapshot: the rollout, the plan and the cluster's spec hold only the reference.
        var started = await Keep(admin.PostAsJsonAsync("/api/v1/rollouts", new { service, environment = "prod", version = "2.0.0", config = workload }, TestApi.Json))
            .EnsureStatusAsync(HttpStatusCode.Created);
        var rolloutId = (await started.ReadJsonAsync()).GetProperty("id").GetGuid();
        var cluster = (InMemoryClusterAdapter)factory.Services.GetRequiredService<IClusterAdapter>();
        var target = new ServiceEnvironment(service, "prod");
        Revision? observed = null;
        await Wait.UntilAsync(async () => (observed = (await cluster.GetServiceAsync(target))?.Revisions.FirstOrDefault(r => r.Version == "2.0.0")) is not null, "the revision in the cluster");
        Assert.Equal("${secret:DB_PASSWORD@1}", observed!.Config["DB_PASSWORD"]);
        // What a cluster adapter does just before it starts the process: the value, for the process's environment only.
        var recorded = await factory.WithStoreAsync(db => db.Rollouts.AsNoTracking().SingleAsync(r => r.Id == rolloutId));
        var environment = await factory.Services.GetRequiredService<IWorkloadSecrets>().ResolveAsync(target, recorded.Config);
        Assert.Equal(secret, environment["DB_PASSWORD"]);
        Assert.Equal("on", environment["FEATURE_X"]);
        WorkloadConfig.Validate(environment);

        await Keep(admin.GetAsync($"/api/v1/rollouts/{rolloutId}")).EnsureStatusAsync(HttpStatusCode.OK);
        await Keep(admin.GetAsync($"/api/v1/config/diff?service={service}&from=staging&to=prod")).EnsureStatusAsync(HttpStatusCode.OK);
        await Keep(admin.GetAsync("/api/v1/events?limit=500")).EnsureStatusAsync(HttpStatusCode.OK);
        await Keep(admin.GetAsync("/api/v1/audit?limit=500")).EnsureStatusAsync(HttpStatusCode.OK);

        Assert.DoesNotContain(bodies, b => b.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Entries, l => l.Text.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(factory.OpenTelemetryLogs, l => l.Contains(secret, StringComparison.Ordinal));
        var events = await factory.WithStoreAsync(db => db.OutboxEvents.AsNoTracking().Select(e => e.CloudEventJson).ToListAsync());
        Assert.Contains(events, e => e.Contains("config.changed", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Contains(secret, StringComparison.Ordinal));
        var audit = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking().ToListAsync());
        Assert.DoesNotContain(audit, a => $"{a.Target} {a.Before} {a.After}".Contains(secret, StringComparison.Ordinal));
        var stored = await factory.WithStoreAsync(db => db.ConfigSecretVersions.AsNoTracking().Select(v => v.ProtectedValue).ToListAsync());
        Assert.DoesNotContain(stored, v => v.Contains(secret, StringComparison.Ordinal));
        Assert.True(factory.Logs.Entries.Count > 0);
    }
}
