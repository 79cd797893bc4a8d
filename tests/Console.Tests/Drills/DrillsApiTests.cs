using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Drills;

/// <summary>One fake-cluster console and a token per role for the drill API.</summary>
public sealed class DrillsFixture : IAsyncLifetime
{
    public FakeClusterConsoleFactory Factory { get; } = new();
    public Dictionary<string, HttpClient> As { get; } = [];

    public async Task InitializeAsync()
    {
        using var admin = Factory.CreateAdminClient();
        foreach (var role in Roles.All) As[role] = Factory.CreateTokenClient((await admin.CreateTokenAsync(role)).Secret);
    }

    /// <summary>A target running a stable 1.0.0 whose default strategy waits for a person at 20%: nothing rolls it back on its own.</summary>
    public Task SeedDeployedAsync(string service, string environment) => Factory.WithStoreAsync(async db =>
    {
        if (await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment)) return 0;
        var now = DateTime.UtcNow;
        db.DeployTargets.Add(new DeployTarget
        {
            Service = service, Environment = environment, StableVersion = "1.0.0", StableRevision = new RevisionSpec("1.0.0", 1, null).Name,
            DefaultStrategyJson = """{"canary":{"steps":[{"setWeight":20},{"pause":{}}]}}""", CreatedAt = now, UpdatedAt = now,
        });
        return await db.SaveChangesAsync();
    });

    public async Task DisposeAsync()
    {
        foreach (var c in As.Values) c.Dispose();
        await Factory.DisposeAsync();
    }
}

public sealed class DrillsApiTests(DrillsFixture fx) : IClassFixture<DrillsFixture>
{
    private static object Body(string service, string environment = "dev", string cron = "0 3 * * 1", object? fault = null, bool? allowProd = null, int? timeoutSeconds = null, int targetSeconds = 60) => new
    {
        service, environment, fault = fault ?? new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5" }, cron, targetSeconds, allowProd, timeoutSeconds,
    };

    private async Task<Guid> CreateAsync(HttpClient caller, object body)
    {
        var created = await caller.PostAsJsonAsync("/api/v1/drills", body, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await created.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task A_facilitator_schedules_a_drill_and_everyone_reads_it_with_its_next_run()
    {
        var service = Names.Unique("drl").ToLowerInvariant();
        await fx.Factory.SeedTargetAsync(service, "dev");
        var id = await CreateAsync(fx.As[Roles.Facilitator], Body(service));

        var list = await (await fx.As[Roles.Viewer].GetAsync("/api/v1/drills").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var row = list.EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == id);
        Assert.Equal("0 3 * * 1", row.GetProperty("cron").GetString());
        Assert.Equal(60, row.GetProperty("targetSeconds").GetInt32());
        Assert.Equal("0.5", row.GetProperty("fault").GetProperty("FAULT_ERROR_RATE").GetString());
        var next = row.GetProperty("nextRunAt").GetDateTime();
        Assert.Equal(DayOfWeek.Monday, next.DayOfWeek);
        Assert.Equal(3, next.Hour);
        var one = await (await fx.As[Roles.Viewer].GetAsync($"/api/v1/drills/{id}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(service, one.GetProperty("drill").GetProperty("service").GetString());
        Assert.Equal(0, one.GetProperty("runs").GetArrayLength());
        await fx.As[Roles.Viewer].GetAsync($"/api/v1/drills/{Guid.NewGuid()}").EnsureStatusAsync(HttpStatusCode.NotFound);
        await fx.As[Roles.Viewer].GetAsync($"/api/v1/drill-runs/{Guid.NewGuid()}").EnsureStatusAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("every monday")]
    [InlineData("0 3 * * 8")]
    [InlineData("0 0 3 * * 1")]
    public async Task A_cron_that_does_not_parse_is_a_400_naming_it_and_nothing_is_stored(string cron)
    {
        var service = Names.Unique("drl").ToLowerInvariant();
        await fx.Factory.SeedTargetAsync(service, "dev");
        var response = await fx.As[Roles.Facilitator].PostAsJsonAsync("/api/v1/drills", Body(service, cron: cron), TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        Assert.Contains($"'{cron}'", problem.GetProperty("errors").GetProperty("cron")[0].GetString());
        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.Drills.CountAsync(d => d.Service == service)));
    }

    [Fact]
    public async Task Only_fault_settings_are_accepted_and_only_facilitators_and_admins_create()
    {
        var service = Names.Unique("drl").ToLowerInvariant();
        await fx.Factory.SeedTargetAsync(service, "dev");
        var facilitator = fx.As[Roles.Facilitator];
        foreach (var fault in new object[]
                 {
                     new Dictionary<string, string> { ["LD_PRELOAD"] = "/tmp/evil.so" },
                     new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "2" },
                     new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://0.0.0.0:80" },
                     new Dictionary<string, string>(),
                 })
        {
            var problem = await (await facilitator.PostAsJsonAsync("/api/v1/drills", Body(service, fault: fault), TestApi.Json)
                .EnsureStatusAsync(HttpStatusCode.BadRequest)).ReadJsonAsync();
            Assert.True(problem.GetProperty("errors").TryGetProperty("fault", out _));
        }
        foreach (var role in new[] { Roles.Viewer, Roles.OnCall, Roles.ReleaseManager })
            await fx.As[role].PostAsJsonAsync("/api/v1/drills", Body(service), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await fx.As[Roles.Viewer].PostAsync($"/api/v1/drills/{Guid.NewGuid()}/run", null).EnsureStatusAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.Drills.CountAsync(d => d.Service == service)));
    }

    [Fact]
    public async Task A_facilitator_cannot_aim_a_drill_at_prod_the_opt_in_is_an_admins()
    {
        var service = Names.Unique("drl").ToLowerInvariant();
        await fx.SeedDeployedAsync(service, "prod");
        var auditBefore = await fx.Factory.WithStoreAsync(db => db.AuditEntries.CountAsync(a => a.Action.StartsWith("drill.")));

        // The attack: a Facilitator sets the Admin's flag on a prod drill, by token and in every spelling the API binds.
        await fx.As[Roles.Facilitator].PostAsJsonAsync("/api/v1/drills", Body(service, "prod", allowProd: true), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await fx.As[Roles.Facilitator].PostAsync("/api/v1/drills", new StringContent(
            $$"""{"service":"{{service}}","environment":"prod","fault":{"FAULT_ERROR_RATE":"0.5"},"cron":"* * * * *","targetSeconds":60,"AllowProd":true}""",
            System.Text.Encoding.UTF8, "application/json")).EnsureStatusAsync(HttpStatusCode.Forbidden);
        // Without the flag, prod is refused for everyone.
        var problem = await (await fx.As[Roles.Facilitator].PostAsJsonAsync("/api/v1/drills", Body(service, "prod"), TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.BadRequest)).ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("allowProd", out _));
        await fx.As[Roles.Admin].PostAsJsonAsync("/api/v1/drills", Body(service, "prod"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);

        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.Drills.CountAsync(d => d.Service == service)));
        Assert.Equal(auditBefore, await fx.Factory.WithStoreAsync(db => db.AuditEntries.CountAsync(a => a.Action.StartsWith("drill."))));
        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.Rollouts.CountAsync(r => r.Service == service)));

        // The Admin's opt-in works, and a Facilitator may then run it (the opt-in is on the drill).
        var id = await CreateAsync(fx.As[Roles.Admin], Body(service, "prod", allowProd: true));
        Assert.True(await fx.Factory.WithStoreAsync(db => db.Drills.Where(d => d.Id == id).Select(d => d.AllowProd).SingleAsync()));
    }

    [Fact]
    public async Task A_run_is_202_a_second_run_is_409_and_a_fault_nobody_rolls_back_is_aborted_at_the_timeout_without_a_prod_rollback_incident()
    {
        var service = Names.Unique("drl").ToLowerInvariant();
        await fx.SeedDeployedAsync(service, "prod");
        var id = await CreateAsync(fx.As[Roles.Admin], Body(service, "prod", allowProd: true, timeoutSeconds: 10, targetSeconds: 5));

        var accepted = await fx.As[Roles.Facilitator].PostAsync($"/api/v1/drills/{id}/run", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var runId = (await accepted.ReadJsonAsync()).GetProperty("runId").GetGuid();
        var running = await (await fx.As[Roles.Viewer].GetAsync($"/api/v1/drill-runs/{runId}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("Running", running.GetProperty("status").GetString());
        await fx.As[Roles.Facilitator].PostAsync($"/api/v1/drills/{id}/run", null).EnsureStatusAsync(HttpStatusCode.Conflict);

        System.Text.Json.JsonElement run = default;
        await Wait.UntilAsync(async () =>
        {
            run = await (await fx.As[Roles.Viewer].GetAsync($"/api/v1/drill-runs/{runId}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
            return run.GetProperty("status").GetString() != "Running";
        }, "the drill run ends", TimeSpan.FromSeconds(60));

        Assert.Equal("Failed", run.GetProperty("status").GetString());
        Assert.False(run.GetProperty("passed").GetBoolean());
        Assert.Contains("timeout", run.GetProperty("reason").GetString());
        var rolloutId = run.GetProperty("rolloutId").GetGuid();
        Assert.Equal(RolloutPhase.Aborted, await fx.Factory.WithStoreAsync(db => db.Rollouts.Where(r => r.Id == rolloutId).Select(r => r.Phase).SingleAsync()));
        // The drill's own incident, and none from the prod-rollback rule (its rollback is a drill's).
        var incidentId = run.GetProperty("incidentId").GetInt64();
        await Wait.UntilAsync(async () => await fx.Factory.WithStoreAsync(db => db.OutboxEvents.AllAsync(e => e.RelayedAt != null)), "every event relayed");
        var origins = await fx.Factory.WithStoreAsync(db => db.Incidents.Where(i => i.Services.Any(s => s.Service == service)).Select(i => new { i.Id, i.Origin }).ToListAsync());
        var only = Assert.Single(origins);
        Assert.Equal(("drill", incidentId), (only.Origin, only.Id));
        var detail = await (await fx.As[Roles.Viewer].GetAsync($"/api/v1/drills/{id}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(1, detail.GetProperty("drill").GetProperty("runs").GetInt32());
        Assert.Equal(0.0, detail.GetProperty("drill").GetProperty("passRate").GetDouble());
    }

    [Fact]
    public async Task A_drill_on_a_service_with_nothing_deployed_is_a_recorded_failure()
    {
        var service = Names.Unique("drl").ToLowerInvariant();
        await fx.Factory.SeedTargetAsync(service, "dev");
        var id = await CreateAsync(fx.As[Roles.Facilitator], Body(service));
        var accepted = await fx.As[Roles.Facilitator].PostAsync($"/api/v1/drills/{id}/run", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var runId = (await accepted.ReadJsonAsync()).GetProperty("runId").GetGuid();
        var run = await (await fx.As[Roles.Viewer].GetAsync($"/api/v1/drill-runs/{runId}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("Failed", run.GetProperty("status").GetString());
        Assert.Contains("could not start", run.GetProperty("reason").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, run.GetProperty("detectionSeconds").ValueKind);
    }
}
