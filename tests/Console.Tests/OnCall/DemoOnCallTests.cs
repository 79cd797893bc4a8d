using System.Net;
using System.Net.Http.Json;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.OnCall;

/// <summary>The demo's on-call set-up: a new user's first alert pages the admin and opens a SEV2 incident with its runbook.</summary>
public sealed class DemoOnCallTests
{
    [Fact]
    public async Task The_demo_set_up_pages_the_admin_for_a_test_alert_and_opens_a_sev2_incident_and_is_seeded_once()
    {
        await using var console = new ConsoleFactory();
        using var admin = console.CreateAdminClient();
        await console.Services.SeedDemoOnCallAsync();
        await console.Services.SeedDemoOnCallAsync(); // a second start changes nothing

        var receivers = (await (await admin.GetAsync("/api/v1/oncall/receivers")).ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal([DemoSetup.DemoReceiver, DemoSetup.DemoTicketReceiver], receivers.Select(r => r.GetProperty("name").GetString()).Order());
        Assert.Equal("SEV2", receivers.Single(r => r.GetProperty("name").GetString() == DemoSetup.DemoReceiver).GetProperty("opensIncident").GetString());
        var routes = await (await admin.GetAsync("/api/v1/alert-routes")).ReadJsonAsync();
        Assert.Equal(1, routes.GetProperty("version").GetInt32());

        await admin.PostAsJsonAsync("/api/v1/alerts", new
        {
            labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = "checkout", ["environment"] = "prod", ["severity"] = "critical" },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        await Wait.UntilAsync(async () => (await (await admin.GetAsync("/api/v1/pages?open=true")).ReadJsonAsync()).EnumerateArray()
            .Any(p => p.GetProperty("paged").EnumerateArray().Any(u => u.GetString() == "admin")), "the admin paged", TimeSpan.FromSeconds(60));
        await Wait.UntilAsync(async () => (await (await admin.GetAsync("/api/v1/incidents?status=active")).ReadJsonAsync()).EnumerateArray()
            .Any(i => i.GetProperty("severity").GetString() == "SEV2" && i.GetProperty("runbooks").EnumerateArray().Any(r => r.GetProperty("slug").GetString() == "high-error-rate")),
            "a SEV2 incident with the high-error-rate runbook", TimeSpan.FromSeconds(30));
    }
}
