using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Cli.Tests;

/// <summary>
/// A real console on a loopback Kestrel port (the CLI talks HTTP and WebSocket to it like a pipeline
/// would), over its embedded store, with the in-memory cluster so rollouts finish in seconds.
/// </summary>
public sealed class ConsoleOnLoopback : WebApplicationFactory<global::Program>
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "opsconsole-cli-e2e", Guid.NewGuid().ToString("N"));
    public string AdminToken { get; } = "opc_admin_" + Guid.NewGuid().ToString("N");
    public string Url { get; private set; } = "";

    /// <summary>A strategy that needs nobody: half the traffic, then all of it.</summary>
    public const string QuickCanary = """{"canary":{"steps":[{"setWeight":50}]}}""";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("OPS_DATA_DIR", DataDirectory);
        builder.UseSetting("OPS_ADMIN_PASSWORD", "admin-pw-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("OPS_ADMIN_TOKEN", AdminToken);
        builder.UseSetting("OPS_INSTANCE", "cli-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        builder.UseSetting("OPS_JOB_POLL_SECONDS", "0.5");
        builder.UseSetting("OPS_DEMO", "false");
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()));
        });
    }

    public void Start()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        Url = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>A service with a deploy target per environment and the pipeline dev (check unit) -> prod (check unit, one approval).</summary>
    public async Task SeedServiceAsync(string service)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        var now = DateTime.UtcNow;
        foreach (var environment in new[] { "dev", "prod" })
            db.DeployTargets.Add(new DeployTarget { Service = service, Environment = environment, DefaultStrategyJson = QuickCanary, CreatedAt = now, UpdatedAt = now });
        db.PipelineStages.Add(new PipelineStage { Service = service, Environment = "dev", Order = 0, RequiredChecks = "unit", UpdatedAt = now });
        db.PipelineStages.Add(new PipelineStage { Service = service, Environment = "prod", Order = 1, RequiredChecks = "unit", RequiredApprovals = 1, UpdatedAt = now });
        await db.SaveChangesAsync();
    }

    /// <summary>An API token with the Ci scope, made by the admin as a person would in Settings → API tokens.</summary>
    public async Task<string> CreateCiTokenAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        var response = await http.PostAsJsonAsync("api/v1/tokens", new { name = "pipeline", roles = new[] { "Ci" }, expiresInDays = 1 });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("secret").GetString()!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
