using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Fatigue;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.Fatigue;

/// <summary>GET /api/v1/alert-fatigue over the demo's alert history in a real console: the contract, the exports, the refusals.</summary>
public sealed class AlertFatigueApiTests : IAsyncLifetime
{
    private readonly ConsoleFactory _factory = new();
    private HttpClient _viewer = default!;
    private int _pages;

    public async Task InitializeAsync()
    {
        using var admin = _factory.CreateAdminClient();
        _viewer = _factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
        var now = _factory.Clock.GetUtcNow().UtcDateTime;
        _pages = await _factory.WithStoreAsync(async db =>
        {
            db.OnCallSchedules.Add(new OnCallSchedule
            {
                Name = "Primary", UpdatedBy = "test",
                Layers = [new RotationLayer { Users = ["admin"], RotationLength = 7, HandoffTime = "09:00", TimeZone = "UTC", StartDate = now.AddDays(-40).ToString("yyyy-MM-dd") }],
            });
            db.OnCallSchedules.Add(new OnCallSchedule
            {
                Name = "Quiet team", UpdatedBy = "test",
                Layers = [new RotationLayer { Users = ["admin"], RotationLength = 1, HandoffTime = "09:00", TimeZone = "Europe/Berlin", StartDate = now.AddDays(-40).ToString("yyyy-MM-dd") }],
            });
            db.EscalationPolicies.Add(new EscalationPolicy { Name = FatigueDemoHistory.Policy, UpdatedBy = "test", Levels = [new EscalationLevel([new EscalationTarget(EscalationTargetKind.Schedule, "Primary")], 5)] });
            await db.SaveChangesAsync();
            await FatigueDemoHistory.EnsureAsync(db, now);
            return await db.Pages.CountAsync();
        });
    }

    public async Task DisposeAsync()
    {
        _viewer.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task The_assessment_has_its_figures_score_rules_recommendations_and_weeks()
    {
        var r = await (await _viewer.GetAsync("/api/v1/alert-fatigue").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var figures = r.GetProperty("figures");
        Assert.Equal(_pages, figures.GetProperty("pages").GetInt32());
        Assert.Equal(_pages, figures.GetProperty("firings").GetInt32());
        Assert.Equal(4, figures.GetProperty("weeks").GetDouble());
        Assert.True(figures.GetProperty("selfResolved").GetInt32() > 0);
        Assert.Equal(6, figures.GetProperty("incidentsWithDuplicatePages").GetInt32());
        var score = r.GetProperty("score");
        Assert.InRange(score.GetProperty("value").GetInt32(), 0, 100);
        Assert.Equal(["pages-per-shift", "out-of-hours", "ack-p90", "self-resolving"],
            score.GetProperty("thresholds").EnumerateArray().Select(t => t.GetProperty("key").GetString()));
        Assert.All(score.GetProperty("thresholds").EnumerateArray(), t => Assert.True(t.TryGetProperty("limit", out _) && t.TryGetProperty("measured", out _)));
        Assert.Equal("DiskAlmostFull", r.GetProperty("rules")[0].GetProperty("rule").GetString());
        Assert.Contains(r.GetProperty("recommendations").EnumerateArray(), x => x.GetProperty("kind").GetString() == "add-for" && x.GetProperty("reason").GetString()!.Length > 0);
        Assert.InRange(r.GetProperty("weeks").GetArrayLength(), 4, 5);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("schedule").ValueKind);
    }

    [Fact]
    public async Task A_schedule_narrows_the_assessment_to_its_pages_and_time_zone()
    {
        var quiet = await (await _viewer.GetAsync("/api/v1/alert-fatigue?schedule=Quiet%20team").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(0, quiet.GetProperty("figures").GetProperty("pages").GetInt32());
        Assert.Equal("Europe/Berlin", quiet.GetProperty("timeZone").GetString());
        Assert.Equal(100, quiet.GetProperty("score").GetProperty("value").GetInt32());
        var primary = await (await _viewer.GetAsync("/api/v1/alert-fatigue?schedule=Primary&from=2020-01-01&to=2020-01-31").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(0, primary.GetProperty("figures").GetProperty("pages").GetInt32());
        Assert.Equal("Primary", primary.GetProperty("schedule").GetString());
    }

    [Theory]
    [InlineData("from=2026-11-10&to=2026-11-01", "from")]
    [InlineData("from=2026-11-01&to=2026-11-01T00:00:00Z", "from")]
    [InlineData("from=2024-01-01&to=2026-11-01", "to")]
    [InlineData("from=yesterday", "from")]
    [InlineData("schedule=Nobody", "schedule")]
    [InlineData("format=pdf", "format")]
    public async Task Bad_input_is_a_problem_naming_the_parameter(string query, string field)
    {
        var response = await _viewer.GetAsync($"/api/v1/alert-fatigue?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task The_report_downloads_as_markdown_and_the_rules_as_csv()
    {
        var md = await _viewer.GetAsync("/api/v1/alert-fatigue?format=markdown&schedule=Primary").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/markdown", md.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", md.Content.Headers.ContentDisposition?.DispositionType);
        Assert.StartsWith("alert-fatigue-primary-", md.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.EndsWith(".md", md.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var text = await md.Content.ReadAsStringAsync();
        Assert.StartsWith("# Alert-fatigue assessment: Primary", text);
        Assert.Contains("## Score: ", text);
        Assert.Contains("| Time to acknowledge \\(p90\\) | under 15 min |", text);
        Assert.Contains("**DiskAlmostFull** (add-for)", text);

        var csv = await _viewer.GetAsync("/api/v1/alert-fatigue?format=csv").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("rule,firings,share,pages", lines[0]);
        Assert.StartsWith("DiskAlmostFull,", lines[1]);
    }

    [Fact]
    public async Task An_alert_named_like_markup_or_a_formula_stays_text_in_the_exports()
    {
        using var admin = _factory.CreateAdminClient();
        const string name = "=HYPERLINK(\"x\")[click](javascript:alert(1))<script>x</script>";
        await admin.PostAsJsonAsync("/api/v1/alerts", new { labels = new { alertname = name, service = "attack" }, status = "firing" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK);
        var text = await (await _viewer.GetAsync("/api/v1/alert-fatigue?format=markdown").EnsureStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", text);
        Assert.DoesNotContain("[click](", text);
        Assert.Contains("\\[click\\]\\(javascript:alert\\(1\\)\\)\\<script\\>", text);
        var csv = await (await _viewer.GetAsync("/api/v1/alert-fatigue?format=csv").EnsureStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")", csv);
        Assert.DoesNotContain("\n=HYPERLINK", csv);
    }

    [Fact]
    public async Task Without_credentials_nothing_is_shown()
    {
        using var anonymous = _factory.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/alert-fatigue")).StatusCode);
    }
}
