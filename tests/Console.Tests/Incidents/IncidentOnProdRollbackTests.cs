using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Tests.Incidents;

/// <summary>A real rollout (on the fake cluster) rolled back in prod opens one incident on its own; in staging none.</summary>
public sealed class IncidentOnProdRollbackTests : IAsyncLifetime
{
    private readonly FakeClusterConsoleFactory _factory = new();
    private HttpClient _onCall = default!;

    public async Task InitializeAsync()
    {
        using var admin = _factory.CreateAdminClient();
        _onCall = _factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.OnCall)).Secret);
    }

    public async Task DisposeAsync()
    {
        _onCall.Dispose();
        await _factory.DisposeAsync();
    }

    private async Task<Guid> StartAndAbortAsync(string service, string environment)
    {
        await _factory.SeedTargetAsync(service, environment);
        var started = await _onCall.PostAsJsonAsync("/api/v1/rollouts", new { service, environment, version = "1.1.0" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await started.ReadJsonAsync()).GetProperty("id").GetGuid();
        await _onCall.PostAsync($"/api/v1/rollouts/{id}/abort", null).EnsureStatusAsync(HttpStatusCode.OK);
        return id;
    }

    private Task<bool> RollbackRelayedAsync(string subject) => _factory.WithStoreAsync(db =>
        db.OutboxEvents.AnyAsync(e => e.Type == EventTypes.RollbackExecuted && e.Subject == subject && e.RelayedAt != null));

    [Fact]
    public async Task A_rollback_in_prod_opens_exactly_one_incident_linked_to_its_rollout_and_one_in_staging_opens_none()
    {
        var staging = await StartAndAbortAsync("checkout", "staging");
        var prod = await StartAndAbortAsync("checkout", "prod");
        await Wait.UntilAsync(() => RollbackRelayedAsync("checkout/staging"), "the staging rollback to be relayed");
        await Wait.UntilAsync(() => RollbackRelayedAsync("checkout/prod"), "the prod rollback to be relayed");

        var list = await (await _onCall.GetAsync("/api/v1/incidents").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var incident = Assert.Single(list.EnumerateArray());
        Assert.Equal(["checkout/prod"], incident.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("rollback", incident.GetProperty("origin").GetString());
        Assert.Equal("SEV2", incident.GetProperty("severity").GetString());

        var read = await (await _onCall.GetAsync($"/api/v1/incidents/{incident.GetProperty("id").GetInt64()}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var changes = read.GetProperty("timeline").EnumerateArray().Where(e => e.GetProperty("beforeOpening").GetBoolean()).ToList();
        Assert.Contains(changes, e => e.GetProperty("type").GetString() == EventTypes.RollbackExecuted && e.GetProperty("link").GetString() == $"/rollouts/{prod}");
        Assert.Contains(changes, e => e.GetProperty("type").GetString() == EventTypes.DeployStarted);
        Assert.DoesNotContain(read.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("link").ValueKind == System.Text.Json.JsonValueKind.String
                                                                                   && e.GetProperty("link").GetString() == $"/rollouts/{staging}");
        Assert.Equal(1, await _factory.WithStoreAsync(db => db.OutboxEvents.CountAsync(e => e.Type == EventTypes.IncidentOpened)));
        Assert.Equal(1, await _factory.WithStoreAsync(db => db.AuditEntries.CountAsync(e => e.Action == "incident.open")));
    }
}
