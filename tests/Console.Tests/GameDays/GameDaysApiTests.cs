using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.GameDays;

/// <summary>The game-day API against a console over the in-memory cluster: the contract, the refusals, the sealed report.</summary>
public sealed class GameDaysApiTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    private async Task<HttpClient> FacilitatorAsync()
    {
        using var admin = factory.CreateAdminClient();
        return factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Facilitator)).Secret);
    }

    private async Task<int> CountAsync(HttpClient caller) => (await (await caller.GetAsync("/api/v1/gamedays")).ReadJsonAsync()).GetArrayLength();

    [Fact]
    public async Task A_facilitator_plans_starts_and_aborts_a_game_day_and_downloads_its_sealed_report()
    {
        using var fay = await FacilitatorAsync();
        var created = await fay.PostAsJsonAsync("/api/v1/gamedays", GameDaysMatrix.Plan("contract/staging"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var body = await created.ReadJsonAsync();
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/gamedays/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("Planned", body.GetProperty("status").GetString());
        Assert.Equal("contract/staging", body.GetProperty("plan").GetProperty("scope")[0].GetString());

        var started = await (await fay.PostAsync($"/api/v1/gamedays/{id}/start", null).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("Running", started.GetProperty("status").GetString());
        Assert.Single(started.GetProperty("faultsInForce").EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, started.GetProperty("faults")[0].GetProperty("injectedAt").ValueKind);

        // Started twice: 409, nothing changes.
        await fay.PostAsync($"/api/v1/gamedays/{id}/start", null).EnsureStatusAsync(HttpStatusCode.Conflict);
        // No report while it runs.
        await fay.GetAsync($"/api/v1/gamedays/{id}/report").EnsureStatusAsync(HttpStatusCode.Conflict);

        await fay.PostAsJsonAsync($"/api/v1/gamedays/{id}/notes", new { text = "Dashboards show the errors." }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var aborted = await (await fay.PostAsJsonAsync($"/api/v1/gamedays/{id}/abort", new { reason = "customers noticed" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("Aborted", aborted.GetProperty("status").GetString());
        Assert.Empty(aborted.GetProperty("faultsInForce").EnumerateArray());
        Assert.Contains("customers noticed", aborted.GetProperty("verdict").GetString(), StringComparison.Ordinal);
        Assert.False(aborted.GetProperty("hypothesisHeld").GetBoolean());
        var kinds = aborted.GetProperty("timeline").EnumerateArray().Select(i => i.GetProperty("kind").GetString()).ToList();
        Assert.Contains("Fault", kinds);
        Assert.Contains("Note", kinds);
        Assert.True(aborted.TryGetProperty("ttdSeconds", out _));
        Assert.Equal(JsonValueKind.Null, aborted.GetProperty("ttdSeconds").ValueKind);
        Assert.DoesNotContain(factory.Cluster.ListFaults(), f => f.Id.StartsWith($"gameday-{id}-", StringComparison.Ordinal));

        await fay.PostAsJsonAsync($"/api/v1/gamedays/{id}/action-items", new { text = "Page on 5xx sooner", owner = "olga", dueDate = "2026-12-31" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK);
        var json = await fay.GetAsync($"/api/v1/gamedays/{id}/report?format=json").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
        var report = await json.ReadJsonAsync();
        var sha = report.GetProperty("sha256").GetString()!;
        Assert.Equal("Page on 5xx sooner", report.GetProperty("actionItems")[0].GetProperty("text").GetString());
        var view = await (await fay.GetAsync($"/api/v1/gamedays/{id}")).ReadJsonAsync();
        Assert.Equal(sha, view.GetProperty("reportSha256").GetString());

        // The hash is in the audit chain, and the chain is intact.
        using var admin = factory.CreateAdminClient();
        var audit = await (await admin.GetAsync($"/api/v1/audit?target=gameday/{id}&limit=50")).Content.ReadAsStringAsync();
        Assert.Contains(sha, audit, StringComparison.Ordinal);
        await ConsoleState.AssertAuditIntactAsync(admin);

        var markdown = await fay.GetAsync($"/api/v1/gamedays/{id}/report?format=markdown").EnsureStatusAsync(HttpStatusCode.OK);
        var text = await markdown.Content.ReadAsStringAsync();
        Assert.StartsWith($"# Game day {id}:", text, StringComparison.Ordinal);
        Assert.Contains(sha, text, StringComparison.Ordinal);
        await fay.GetAsync($"/api/v1/gamedays/{id}/report?format=pdf").EnsureStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_abort_condition_that_does_not_parse_is_a_400_naming_it_and_nothing_is_stored()
    {
        using var fay = await FacilitatorAsync();
        var before = await CountAsync(fay);
        var response = await fay.PostAsJsonAsync("/api/v1/gamedays", GameDaysMatrix.Plan(abort: "error_ratio >> 0.3 ("), TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        Assert.Contains("error_ratio >> 0.3 (", problem.GetProperty("errors").GetProperty("abortConditions[0]")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(fay));
    }

    [Theory]
    [InlineData("System.IO.File.Delete('/tmp/opsconsole-gameday-attack') == null")]
    [InlineData("Environment.Exit(3) == 0")]
    [InlineData("[System.Environment] != null")]
    public async Task An_expression_that_tries_to_reach_the_host_is_refused_and_nothing_is_stored(string attack)
    {
        using var fay = await FacilitatorAsync();
        var before = await CountAsync(fay);
        var marker = Path.Combine(Path.GetTempPath(), "opsconsole-gameday-attack");
        await File.WriteAllTextAsync(marker, "still here");
        await fay.PostAsJsonAsync("/api/v1/gamedays", GameDaysMatrix.Plan(abort: attack), TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        var steady = GameDaysMatrix.Plan();
        await fay.PostAsJsonAsync("/api/v1/gamedays", new Dictionary<string, object?>
        {
            ["title"] = "attack", ["objective"] = "attack", ["scope"] = new[] { "matrix/dev" }, ["steadyState"] = new[] { attack },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await CountAsync(fay));
        Assert.True(File.Exists(marker));
        Assert.NotNull(steady);
    }

    [Fact]
    public async Task Production_in_scope_without_an_admins_opt_in_is_a_403_and_nothing_is_stored()
    {
        using var fay = await FacilitatorAsync();
        var before = await CountAsync(fay);
        await fay.PostAsJsonAsync("/api/v1/gamedays", GameDaysMatrix.Plan("checkout/prod", allowProd: true), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, await CountAsync(fay));

        using var admin = factory.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/gamedays", GameDaysMatrix.Plan("checkout/prod"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        var opted = await (await admin.PostAsJsonAsync("/api/v1/gamedays", GameDaysMatrix.Plan("checkout/prod", allowProd: true), TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.Equal("admin", opted.GetProperty("prodOptInBy").GetString());
    }

    [Fact]
    public async Task A_viewer_reads_but_cannot_start()
    {
        var id = await GameDaysMatrix.PlannedAsync(factory);
        using var admin = factory.CreateAdminClient();
        using var viewer = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
        await viewer.GetAsync($"/api/v1/gamedays/{id}").EnsureStatusAsync(HttpStatusCode.OK);
        await viewer.PostAsync($"/api/v1/gamedays/{id}/start", null).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await viewer.GetAsync("/api/v1/gamedays/999999").EnsureStatusAsync(HttpStatusCode.NotFound);
    }
}
