using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// A rollout's config becomes the workload's environment: whoever may start a rollout must not be
/// able to load a library into it, add a startup hook, or rebind it through that door.
/// </summary>
public sealed class RolloutConfigTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    [Theory]
    [InlineData("LD_PRELOAD", "/tmp/evil.so")]
    [InlineData("DOTNET_STARTUP_HOOKS", "/tmp/Evil.dll")]
    [InlineData("ASPNETCORE_URLS", "http://0.0.0.0:80")]
    [InlineData("CORECLR_PROFILER_PATH", "/tmp/profiler.so")]
    [InlineData("COMPlus_EnableDiagnostics", "1")]
    [InlineData("ld_preload", "/tmp/evil.so")]
    [InlineData("PATH", "/tmp/evil-bin")]
    [InlineData("OPS_ADMIN_TOKEN", "x")]
    [InlineData("SSL_CERT_FILE", "/tmp/attacker-ca.pem")]
    [InlineData("HTTPS_PROXY", "http://attacker.example:3128")]
    [InlineData("NODE_OPTIONS", "--require /tmp/evil.js")]
    public async Task A_rollout_whose_config_steers_the_loader_runtime_or_host_is_refused_and_none_is_created(string key, string value)
    {
        using var admin = factory.CreateAdminClient();
        using var onCall = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.OnCall)).Secret);
        var service = Names.Unique("svc");
        await factory.SeedTargetAsync(service);

        var response = await onCall.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "dev", version = "1.1.0",
            config = new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0", [key] = value },
        }, TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Contains(key, problem.GetProperty("errors").GetProperty("config")[0].GetString());
        Assert.Equal(0, await factory.WithStoreAsync(db => db.Rollouts.CountAsync(r => r.Service == service)));
        Assert.Equal(0, await factory.WithStoreAsync(db => db.AuditEntries.CountAsync(a => a.Action == "rollout.start" && a.Target.StartsWith(service))));
        Assert.Null(await factory.Cluster.GetServiceAsync(new ServiceEnvironment(service, "dev")));
    }

    [Theory]
    [InlineData("LD_PRELOAD", "/tmp/evil.so")]
    [InlineData("DOTNET_STARTUP_HOOKS", "/tmp/Evil.dll")]
    public async Task A_deployment_plan_whose_config_steers_the_loader_or_runtime_is_refused_before_it_is_stored(string key, string value)
    {
        using var admin = factory.CreateAdminClient();
        using var releaseManager = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.ReleaseManager)).Secret);
        var service = Names.Unique("svc");
        await factory.SeedTargetAsync(service);
        var auditBefore = await factory.CountAsync<OpsConsole.Core.Audit.AuditEntry>();

        var response = await releaseManager.PostAsJsonAsync("/api/v1/deployment-plans", new
        {
            service, environment = "dev", version = "1.1.0", config = new Dictionary<string, string> { [key] = value },
        }, TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(key, (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("config")[0].GetString());
        Assert.Equal(0, await factory.WithStoreAsync(db => db.DeploymentPlans.CountAsync(p => p.Service == service)));
        Assert.Equal(0, await factory.WithStoreAsync(db => db.Rollouts.CountAsync(r => r.Service == service)));
        Assert.Equal(auditBefore, await factory.CountAsync<OpsConsole.Core.Audit.AuditEntry>());
    }

    [Fact]
    public async Task The_demos_fault_keys_and_other_application_keys_still_work()
    {
        using var admin = factory.CreateAdminClient();
        using var onCall = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.OnCall)).Secret);
        var service = Names.Unique("svc");
        await factory.SeedTargetAsync(service);
        await onCall.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "dev", version = "1.1.0",
            config = new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5", ["FAULT_LATENCY_MS"] = "20", ["FEATURE_NEW_CART"] = "on" },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
    }
}
