using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Tests.Slo;

/// <summary>The SLO API's contract, validation and roles, the Prometheus export, the error-budget gate and burn-rate pages on a running console.</summary>
public sealed class SlosApiTests : IAsyncLifetime
{
    private readonly SloConsoleFactory console = new();
    private HttpClient admin = default!;

    public async Task InitializeAsync()
    {
        admin = console.CreateAdminClient();
        await console.SeedTargetsAsync("checkout", "staging", "prod");
    }

    public async Task DisposeAsync()
    {
        admin.Dispose();
        await console.DisposeAsync();
    }

    private async Task<long> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/v1/slos", body, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/slos/{id}", response.Headers.Location!.OriginalString);
        return id;
    }

    [Fact]
    public async Task An_slo_is_created_read_with_its_budget_and_burn_rates_listed_and_deleted()
    {
        var now = console.Clock.GetUtcNow();
        // A clean day but for its last hour at 1.2% errors: 12× over the hour, half of a one-day budget spent.
        var prod = new ServiceEnvironment("checkout", "prod");
        console.History.Add(prod, now - TimeSpan.FromDays(1), TimeSpan.FromHours(23), 1000, 0);
        console.History.Add(prod, now - TimeSpan.FromHours(1), TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1), 1000, 0.012);
        var id = await CreateAsync(admin, new { service = "checkout", environment = "prod", kind = "availability", objective = 0.999, windowDays = 1 });

        var slo = await (await admin.GetAsync($"/api/v1/slos/{id}")).ReadJsonAsync();
        Assert.Equal(0.999, slo.GetProperty("objective").GetDouble());
        Assert.Equal("availability", slo.GetProperty("kind").GetString());
        Assert.Equal(1, slo.GetProperty("windowDays").GetInt32());
        Assert.InRange(slo.GetProperty("budgetRemaining").GetDouble(), 0.45, 0.55);
        var burns = slo.GetProperty("burnRates");
        Assert.Equal(["5m", "30m", "1h", "6h", "3d"], burns.EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, burns.GetProperty("1h").GetDouble(), 1);
        Assert.Empty(slo.GetProperty("firingAlerts").EnumerateArray());

        var latency = await CreateAsync(admin, new { service = "checkout", environment = "staging", kind = "latency", objective = 0.99, latencyMs = 250 });
        var list = (await (await admin.GetAsync("/api/v1/slos")).ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal([id, latency], list.Select(s => s.GetProperty("id").GetInt64()));
        Assert.Equal(JsonValueKind.Null, list[1].GetProperty("burnRates").GetProperty("5m").ValueKind); // no traffic
        Assert.Single((await (await admin.GetAsync("/api/v1/slos?environment=staging")).ReadJsonAsync()).EnumerateArray());
        var burnDown = (await (await admin.GetAsync($"/api/v1/slos/{id}/burn-down")).ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(SloMeter.BurnDownPoints + 1, burnDown.Count);

        await admin.DeleteAsync($"/api/v1/slos/{id}").EnsureStatusAsync(HttpStatusCode.NoContent);
        await admin.GetAsync($"/api/v1/slos/{id}").EnsureStatusAsync(HttpStatusCode.NotFound);
        await admin.DeleteAsync($"/api/v1/slos/{id}").EnsureStatusAsync(HttpStatusCode.NotFound);
        var audit = await console.WithStoreAsync(db => db.AuditEntries.Where(a => a.Target == $"slo/{id}").Select(a => a.Action).ToListAsync());
        Assert.Equal(["slo.create", "slo.delete"], audit);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"service":"checkout","environment":"prod","kind":"availability","objective":1.5}""", "objective" },
        { """{"service":"checkout","environment":"prod","kind":"availability","objective":0.9999999}""", "objective" },
        { """{"service":"checkout","environment":"prod","kind":"durability","objective":0.99}""", "kind" },
        { """{"service":"checkout","environment":"prod","kind":"latency","objective":0.99}""", "latencyMs" },
        { """{"service":"checkout","environment":"prod","kind":"latency","objective":0.99,"latencyMs":123}""", "latencyMs" },
        { """{"service":"checkout","environment":"prod","kind":"availability","objective":0.999,"windowDays":365}""", "windowDays" },
        { """{"service":"checkout","environment":"nowhere","kind":"availability","objective":0.999}""", "service" },
        { """{"service":"<script>","environment":"prod","kind":"availability","objective":0.999}""", "service" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_is_a_400_problem_naming_the_field_and_saves_nothing(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await admin.PostAsync("/api/v1/slos", content).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, await console.CountAsync<ServiceLevelObjective>());
    }

    [Fact]
    public async Task A_viewer_reads_but_may_not_create_or_delete()
    {
        var id = await CreateAsync(admin, new { service = "checkout", environment = "prod", kind = "availability", objective = 0.999 });
        using var viewer = console.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
        await viewer.GetAsync($"/api/v1/slos/{id}").EnsureStatusAsync(HttpStatusCode.OK);
        await viewer.PostAsJsonAsync("/api/v1/slos", new { service = "checkout", environment = "staging", kind = "availability", objective = 0.99 }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Forbidden);
        await viewer.DeleteAsync($"/api/v1/slos/{id}").EnsureStatusAsync(HttpStatusCode.Forbidden);
        using var facilitator = console.CreateTokenClient((await admin.CreateTokenAsync(Roles.Facilitator)).Secret);
        await CreateAsync(facilitator, new { service = "checkout", environment = "staging", kind = "availability", objective = 0.99 });
        Assert.Equal(2, await console.CountAsync<ServiceLevelObjective>());
    }

    [Fact]
    public async Task The_prometheus_rules_are_yaml_for_all_slos_or_one_service()
    {
        await console.SeedTargetsAsync("payments", "prod");
        await CreateAsync(admin, new { service = "checkout", environment = "prod", kind = "availability", objective = 0.999 });
        await CreateAsync(admin, new { service = "payments", environment = "prod", kind = "latency", objective = 0.99, latencyMs = 500 });
        await admin.PutAsJsonAsync("/api/v1/services/checkout/profile", new { owner = "shop", runbooks = new[] { "high-error-rate" } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        var all = await admin.GetAsync("/api/v1/slos/prometheus-rules").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/yaml", all.Content.Headers.ContentType?.MediaType);
        var yaml = await all.Content.ReadAsStringAsync();
        Assert.StartsWith("groups:", yaml, StringComparison.Ordinal);
        Assert.Contains("opsconsole_ingress_server_errors_total{service=\"checkout\",environment=\"prod\"}", yaml, StringComparison.Ordinal);
        Assert.Contains("le=\"0.5\"", yaml, StringComparison.Ordinal);
        Assert.Contains("/runbooks/high-error-rate", yaml, StringComparison.Ordinal);
        var one = await (await admin.GetAsync("/api/v1/slos/prometheus-rules?service=payments")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("checkout", one, StringComparison.Ordinal);
        Assert.Equal(3, one.Split("alert: SloBurnRate").Length - 1);
    }

    [Fact]
    public async Task The_error_budget_gate_blocks_a_promotion_while_the_budget_burns_and_passes_without_an_slo()
    {
        // A one-stage pipeline (prod, for this test) that asks for the gate and an approval, set through the API.
        await admin.PutAsJsonAsync("/api/v1/services/checkout/pipeline",
            new { stages = new object[] { new { environment = "prod", requiredApprovals = 1, errorBudget = new { required = true, maxBurnRate = 2 } } } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK);
        var pipeline = await (await admin.GetAsync("/api/v1/services/checkout/pipeline")).ReadJsonAsync();
        var budget = pipeline.GetProperty("stages").EnumerateArray().Single().GetProperty("errorBudget");
        Assert.True(budget.GetProperty("required").GetBoolean());
        Assert.Equal(2, budget.GetProperty("maxBurnRate").GetDouble());
        await admin.PutAsJsonAsync("/api/v1/services/checkout/pipeline",
            new { stages = new object[] { new { environment = "prod", errorBudget = new { required = true, maxBurnRate = -1 } } } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.BadRequest);

        await console.WithStoreAsync(db =>
        {
            db.Releases.Add(new Release { Service = "checkout", Version = "2.0.0", CommitSha = "abc", RegisteredBy = "ci", RegisteredAt = DateTime.UtcNow, ContentHash = "x" });
            return db.SaveChangesAsync();
        });
        var sloId = await CreateAsync(admin, new { service = "checkout", environment = "prod", kind = "availability", objective = 0.999 });
        var now = console.Clock.GetUtcNow();
        console.History.Add(new ServiceEnvironment("checkout", "prod"), now - TimeSpan.FromDays(2), TimeSpan.FromDays(2) - TimeSpan.FromHours(1), 1000, 0);
        console.History.Add(new ServiceEnvironment("checkout", "prod"), now - TimeSpan.FromHours(1), TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1), 1000, 0.005);

        Guid id;
        await using (var scope = console.Services.CreateAsyncScope())
            id = (await scope.ServiceProvider.GetRequiredService<PromotionDesk>()
                .RequestAsync(new Actor("pipeline", new HashSet<string> { TokenScopes.Ci }, "test"), "checkout", "2.0.0", "prod")).Id;
        var gate = await GateAsync(id);
        Assert.False(gate.GetProperty("passed").GetBoolean());
        Assert.StartsWith("checkout/prod: availability budget ", gate.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("burning 5× over 1 h (max 2×)", gate.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The SLO goes: the gate passes, saying there is none.
        await admin.DeleteAsync($"/api/v1/slos/{sloId}").EnsureStatusAsync(HttpStatusCode.NoContent);
        await using (var scope = console.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<PromotionDesk>().EvaluateAsync(id);
        gate = await GateAsync(id);
        Assert.True(gate.GetProperty("passed").GetBoolean());
        Assert.Equal("checkout/prod: no SLO, nothing to block on.", gate.GetProperty("reason").GetString());
    }

    private async Task<JsonElement> GateAsync(Guid promotionId)
    {
        var promotion = await (await admin.GetAsync($"/api/v1/promotions/{promotionId}")).ReadJsonAsync();
        return promotion.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == PromotionGates.ErrorBudget);
    }

    [Fact]
    public async Task A_fast_burn_pages_the_on_call_through_the_demo_routes_and_a_budget_erosion_opens_a_ticket_without_a_page()
    {
        await console.Services.SeedDemoOnCallAsync();
        var now = console.Clock.GetUtcNow();
        var prod = new ServiceEnvironment("checkout", "prod");
        var staging = new ServiceEnvironment("checkout", "staging");
        // Seven hours at 2%: every rule's history reaches back past its short window, so all three judge.
        console.History.Add(prod, now - TimeSpan.FromHours(7), TimeSpan.FromHours(7) + TimeSpan.FromMinutes(1), 1000, 0.02);
        console.History.Add(staging, now - TimeSpan.FromDays(3), TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1), 10_000, 0.0015);
        var fast = await CreateAsync(admin, new { service = "checkout", environment = "prod", kind = "availability", objective = 0.999 });
        var slow = await CreateAsync(admin, new { service = "checkout", environment = "staging", kind = "availability", objective = 0.999 });

        await using (var scope = console.Services.CreateAsyncScope())
        {
            var evaluation = await scope.ServiceProvider.GetRequiredService<SloBurnEvaluator>().EvaluateAsync();
            string[] expected = [$"{fast}/fast-burn", $"{fast}/slow-burn", $"{fast}/budget-erosion", $"{slow}/budget-erosion"];
            Assert.Equal(expected.Order(StringComparer.Ordinal), evaluation.Firing);
        }
        var fingerprints = await console.WithStoreAsync(db => db.Alerts.Where(a => a.Name == SloAlerts.BurnRate).ToListAsync());
        string Fp(long slo, string rule) => fingerprints.Single(a => a.Labels["slo"] == slo.ToString(System.Globalization.CultureInfo.InvariantCulture) && a.Labels["rule"] == rule).Fingerprint;

        await Wait.UntilAsync(async () => (await (await admin.GetAsync("/api/v1/pages?open=true")).ReadJsonAsync()).EnumerateArray()
            .Any(p => p.GetProperty("fingerprints").EnumerateArray().Any(f => f.GetString() == Fp(fast, "fast-burn"))), "the on-call paged for the fast burn", TimeSpan.FromSeconds(60));
        // The ticket goes to the tickets receiver: an incident, no page.
        await Wait.UntilAsync(async () => await console.WithStoreAsync(db => db.Incidents.AnyAsync(i => i.Severity == Core.Incidents.IncidentSeverity.Sev4)),
            "a SEV4 incident for the erosion ticket", TimeSpan.FromSeconds(60));
        var pages = (await (await admin.GetAsync("/api/v1/pages")).ReadJsonAsync()).EnumerateArray().ToList();
        Assert.DoesNotContain(pages, p => p.GetProperty("fingerprints").EnumerateArray().Any(f => f.GetString() == Fp(slow, "budget-erosion") || f.GetString() == Fp(fast, "budget-erosion")));
        Assert.All(pages, p => Assert.Equal(DemoSetup.DemoReceiver, p.GetProperty("receiver").GetString()));

        // Evaluating again while they burn opens nothing new.
        var pageCount = pages.Count;
        await using (var scope = console.Services.CreateAsyncScope())
            Assert.Equal(0, (await scope.ServiceProvider.GetRequiredService<SloBurnEvaluator>().EvaluateAsync()).Raised);
        Assert.Equal(4, await console.WithStoreAsync(db => db.Alerts.CountAsync(a => a.Name == SloAlerts.BurnRate && a.TimesFired == 1)));
        Assert.Equal(pageCount, (await (await admin.GetAsync("/api/v1/pages")).ReadJsonAsync()).GetArrayLength());
    }
}
