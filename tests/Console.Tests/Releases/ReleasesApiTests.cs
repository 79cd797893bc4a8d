using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Events;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Tests.Releases;

public sealed class ReleasesApiTests(ReleasesConsoleFactory factory) : IClassFixture<ReleasesConsoleFactory>
{
    private static object Release(string service, string version, string changelog = "Adds the thing") => new
    {
        service, version, commit = "a1b2c3d4e5f60718", commitTime = "2026-11-27T10:00:00Z", buildUrl = "https://ci.example.test/run/7", changelog,
    };

    private async Task<HttpClient> CiClientAsync()
    {
        using var admin = factory.CreateAdminClient();
        var (_, secret) = await admin.CreateTokenAsync("Ci");
        return factory.CreateTokenClient(secret);
    }

    private static StringContent Xml(string xml) => new(xml, Encoding.UTF8, "application/xml");

    [Fact]
    public async Task A_Ci_token_registers_a_release_reports_checks_and_reads_it_back_and_a_repeat_is_200_a_conflict_409()
    {
        await factory.SeedTargetsAsync("checkout");
        using var ci = await CiClientAsync();
        var version = Names.Unique("v").Replace("_", "-", StringComparison.Ordinal);

        var created = await ci.PostAsJsonAsync("/api/v1/releases", Release("checkout", version), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var repeat = await ci.PostAsJsonAsync("/api/v1/releases", Release("checkout", version), TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        await ci.PostAsJsonAsync("/api/v1/releases", Release("checkout", version, "other"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Conflict);
        Assert.Equal((await created.ReadJsonAsync()).GetProperty("id").GetGuid(), (await repeat.ReadJsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal($"/api/v1/releases/checkout/{version}", created.Headers.Location?.ToString());

        await ci.PostAsync($"/api/v1/releases/checkout/{version}/checks?name=unit",
            Xml("<testsuite><testcase name=\"a\"/><testcase name=\"b\"><failure/></testcase></testsuite>")).EnsureStatusAsync(HttpStatusCode.OK);
        var got = await (await ci.GetAsync($"/api/v1/releases/checkout/{version}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var check = got.GetProperty("checks")[0];
        Assert.Equal("unit", check.GetProperty("name").GetString());
        Assert.False(check.GetProperty("passed").GetBoolean());
        Assert.Equal("b", check.GetProperty("failedTests")[0].GetString());

        var timeline = await (await ci.GetAsync($"/api/v1/releases/checkout/{version}/timeline").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal([EventTypes.ReleaseRegistered, EventTypes.ReleaseChecksReported], timeline.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task A_Ci_token_gets_403_on_everything_else()
    {
        using var ci = await CiClientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/v1/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.PostAsJsonAsync("/api/v1/rollouts", new { service = "checkout", environment = "dev", version = "1.0.0" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/v1/rollouts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/v1/config/checkout/prod")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.PostAsJsonAsync("/api/v1/freezes", new { name = "x", environment = "prod", rrule = "FREQ=WEEKLY", start = "2026-01-02T16:00", durationMinutes = 60 })).StatusCode);
    }

    [Fact]
    public async Task Anonymous_and_Viewer_callers_register_nothing()
    {
        await factory.SeedTargetsAsync("checkout");
        using var anonymous = factory.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/releases", Release("checkout", "9.0.0"))).StatusCode);
        using var admin = factory.CreateAdminClient();
        var (_, viewerToken) = await admin.CreateTokenAsync("Viewer");
        using var viewer = factory.CreateTokenClient(viewerToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/v1/releases", Release("checkout", "9.0.1"))).StatusCode);
        Assert.Equal(0, await factory.WithStoreAsync(db => db.Releases.CountAsync(r => r.Version.StartsWith("9.0."))));
    }

    [Fact]
    public async Task Bad_releases_are_400_with_the_field_named()
    {
        await factory.SeedTargetsAsync("checkout");
        using var ci = await CiClientAsync();
        var unknown = await ci.PostAsJsonAsync("/api/v1/releases", Release("nonexistent", "1.0.0"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not known", (await unknown.ReadJsonAsync()).GetProperty("detail").GetString());
        var spaces = await ci.PostAsJsonAsync("/api/v1/releases", Release("checkout", "1.0 final"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.True((await spaces.ReadJsonAsync()).GetProperty("errors").TryGetProperty("version", out _));
    }

    [Fact]
    public async Task Xxe_billion_laughs_malformed_and_huge_reports_are_refused_and_nothing_is_saved()
    {
        await factory.SeedTargetsAsync("catalog");
        using var ci = await CiClientAsync();
        var version = "7.0." + Random.Shared.Next(1000, 9999);
        await ci.PostAsJsonAsync("/api/v1/releases", Release("catalog", version), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var url = $"/api/v1/releases/catalog/{version}/checks?name=unit";
        string[] attacks =
        [
            "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><testsuite><testcase name=\"&xxe;\"/></testsuite>",
            "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]><testsuite><testcase name=\"&d;\"/></testsuite>",
            "<testsuite><testcase name=\"x\">",
            "{\"not\":\"xml\"}",
        ];
        foreach (var attack in attacks)
        {
            var response = await ci.PostAsync(url, Xml(attack)).EnsureStatusAsync(HttpStatusCode.BadRequest);
            Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var huge = new StringBuilder("<testsuite>");
        while (huge.Length <= JUnitReport.MaxBytes) huge.Append("<testcase name=\"padding-padding-padding-padding\"/>");
        huge.Append("</testsuite>");
        await ci.PostAsync(url, Xml(huge.ToString())).EnsureStatusAsync(HttpStatusCode.RequestEntityTooLarge);
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge.ToString())));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        chunked.Headers.ContentLength = null;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await ci.PostAsync(url, chunked)).StatusCode);

        Assert.Equal(0, await factory.WithStoreAsync(db => db.ReleaseChecks.CountAsync(c => db.Releases.Any(r => r.Id == c.ReleaseId && r.Version == version))));
    }

    [Fact]
    public async Task Pipelines_and_freezes_through_the_api_with_a_clear_400_for_a_bad_rrule()
    {
        await factory.SeedTargetsAsync("catalog");
        using var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync("/api/v1/services/catalog/pipeline", new
        {
            stages = new object[]
            {
                new { environment = "dev", requiredChecks = Array.Empty<string>(), autoDeploy = true },
                new { environment = "staging", requiredChecks = new[] { "unit", "e2e" } },
                new { environment = "prod", requiredChecks = new[] { "unit", "e2e" }, soakMinutes = 10, requiredApprovals = 1 },
            },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var pipeline = await (await admin.GetAsync("/api/v1/services/catalog/pipeline")).ReadJsonAsync();
        Assert.Equal(3, pipeline.GetProperty("stages").GetArrayLength());
        await admin.PutAsJsonAsync("/api/v1/services/catalog/pipeline", new { stages = new[] { new { environment = "moon" } } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.BadRequest);

        var before = await factory.CountAsync<FreezeWindow>();
        var bad = await admin.PostAsJsonAsync("/api/v1/freezes",
            new { name = "bad", environment = "prod", rrule = "FREQ=FORTNIGHTLY", start = "2026-01-02T16:00:00", durationMinutes = 60, timeZone = "Europe/Berlin" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Contains("does not parse", (await bad.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(before, await factory.CountAsync<FreezeWindow>());

        await admin.PostAsJsonAsync("/api/v1/freezes",
            new { name = "Weekend", service = "catalog", environment = "prod", rrule = "FREQ=WEEKLY;BYDAY=FR", start = "2026-01-02T16:00:00", durationMinutes = 3840, timeZone = "Europe/Berlin" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var saturday = await (await admin.GetAsync("/api/v1/freezes/state?service=catalog&environment=prod&at=2026-11-28T12:00:00Z")).ReadJsonAsync();
        Assert.True(saturday.GetProperty("frozen").GetBoolean());
        var tuesday = await (await admin.GetAsync("/api/v1/freezes/state?service=catalog&environment=prod&at=2026-12-01T12:00:00Z")).ReadJsonAsync();
        Assert.False(tuesday.GetProperty("frozen").GetBoolean());
    }
}
