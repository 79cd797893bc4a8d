using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Rollouts;

/// <summary>Analysis templates through the API: versions, validation with what to fix, who may change them.</summary>
public sealed class AnalysisTemplatesApiTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    private static object Template(string name, string condition) => new
    {
        name,
        onFailure = "Pause",
        metrics = new[] { new { name = "errors", source = "IngressErrorRate", interval = "2s", count = 5, successCondition = condition } },
    };

    [Fact]
    public async Task Saving_a_template_twice_adds_a_version_and_rollouts_can_use_it()
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("tpl").ToLowerInvariant();
        var first = await (await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, "result < 0.1"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var second = await (await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, "result < 0.02"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.Equal(1, first.GetProperty("version").GetInt32());
        Assert.Equal(2, second.GetProperty("version").GetInt32());
        Assert.Equal("result < 0.02", second.GetProperty("template").GetProperty("metrics")[0].GetProperty("successCondition").GetString());

        var latest = await (await admin.GetAsync("/api/v1/analysis-templates")).ReadJsonAsync();
        Assert.Single(latest.EnumerateArray(), t => t.GetProperty("name").GetString() == name && t.GetProperty("version").GetInt32() == 2);
        var all = await (await admin.GetAsync("/api/v1/analysis-templates?allVersions=true")).ReadJsonAsync();
        Assert.Equal(2, all.EnumerateArray().Count(t => t.GetProperty("name").GetString() == name));

        var service = Names.Unique("svc");
        await factory.SeedTargetAsync(service);
        var started = await admin.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "dev", version = "2.0.0",
            strategy = new { canary = new { steps = new object[] { new { setWeight = 10 }, new { analysis = name } } } },
        }, TestApi.Json);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
    }

    [Fact]
    public async Task A_template_reads_back_as_written_and_saves_again_as_it_is()
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("tpl").ToLowerInvariant();
        var saved = await (await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, "result < 0.1"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var template = saved.GetProperty("template");
        Assert.Equal("Pause", template.GetProperty("onFailure").GetString());
        var metric = template.GetProperty("metrics")[0];
        Assert.Equal(("IngressErrorRate", "2s"), (metric.GetProperty("source").GetString(), metric.GetProperty("interval").GetString()));

        var listed = (await (await admin.GetAsync("/api/v1/analysis-templates")).ReadJsonAsync()).EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        var again = await (await admin.PostAsync("/api/v1/analysis-templates", JsonContent.Create(listed.GetProperty("template"))).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.Equal(2, again.GetProperty("version").GetInt32());
        Assert.Equal(metric.GetRawText(), again.GetProperty("template").GetProperty("metrics")[0].GetRawText());
    }

    [Theory]
    [InlineData("result <", "does not parse")]
    [InlineData("latency < 5", "the only variable is 'result'")]
    public async Task A_condition_that_does_not_parse_is_refused_and_nothing_is_saved(string condition, string expected)
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("bad").ToLowerInvariant();
        var response = await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, condition), TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, (await response.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(0, await factory.WithStoreAsync(db => db.AnalysisTemplates.CountAsync(t => t.Name == name)));
    }

    private static object JudgeTemplate(string name, object errors) => new
    {
        name,
        metrics = new[] { new { name = "judge", source = "Judge", interval = "500ms", count = 1, judge = new { metrics = new[] { new { name = "latency", quantity = "Latency", minimumShiftMs = 2.0 } as object, errors } } } },
    };

    [Fact]
    public async Task A_judge_template_chooses_its_sequential_test_and_latency_minimum_and_a_bad_choice_is_refused()
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("judged").ToLowerInvariant();
        await admin.PostAsJsonAsync("/api/v1/analysis-templates", JudgeTemplate(name, new { name = "errors", quantity = "Errors", test = "Wald" }), TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var judged = await factory.WithStoreAsync(db => db.AnalysisTemplates.AsNoTracking().SingleAsync(t => t.Name == name));
        var spec = judged.Template.Metrics.Single().Judge!;
        Assert.Equal(2.0, spec.Metrics[0].MinimumShiftMs);
        Assert.Equal(OpsConsole.Core.Rollouts.Judge.SequentialMethod.Wald, spec.Metrics[1].Test);

        foreach (var (errors, expected) in new (object, string)[]
                 {
                     (new { name = "errors", quantity = "Errors", test = "Bayes" }, "Bayes"),
                     (new { name = "errors", quantity = "Errors", test = "7" }, "7"),
                 })
        {
            var bad = Names.Unique("judged").ToLowerInvariant();
            var response = await admin.PostAsJsonAsync("/api/v1/analysis-templates", JudgeTemplate(bad, errors), TestApi.Json);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(0, await factory.WithStoreAsync(db => db.AnalysisTemplates.CountAsync(t => t.Name == bad)));
        }
        var negative = Names.Unique("judged").ToLowerInvariant();
        var refused = await admin.PostAsJsonAsync("/api/v1/analysis-templates", new
        {
            name = negative,
            metrics = new[] { new { name = "judge", source = "Judge", interval = "500ms", count = 1, judge = new { metrics = new[] { new { name = "latency", minimumShiftMs = -1.0 } } } } },
        }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("minimumShiftMs", (await refused.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(0, await factory.WithStoreAsync(db => db.AnalysisTemplates.CountAsync(t => t.Name == negative)));
    }

    [Fact]
    public async Task An_unknown_metric_source_or_field_is_refused()
    {
        var admin = factory.CreateAdminClient();
        var response = await admin.PostAsJsonAsync("/api/v1/analysis-templates", new
        {
            name = "weird", metrics = new[] { new { name = "m", source = "CpuTemperature", successCondition = "result < 1" } },
        }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var strategyRef = await admin.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service = "nowhere", environment = "dev", version = "1.0.1",
        }, TestApi.Json);
        Assert.Equal(HttpStatusCode.NotFound, strategyRef.StatusCode);
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.OnCall)]
    [InlineData(Roles.Facilitator)]
    public async Task Only_release_managers_and_admins_change_templates(string role)
    {
        var (_, secret) = await factory.CreateAdminClient().CreateTokenAsync(role);
        var response = await factory.CreateTokenClient(secret).PostAsJsonAsync("/api/v1/analysis-templates", Template(Names.Unique("t").ToLowerInvariant(), "result < 1"), TestApi.Json);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var (_, rm) = await factory.CreateAdminClient().CreateTokenAsync(Roles.ReleaseManager);
        var allowed = await factory.CreateTokenClient(rm).PostAsJsonAsync("/api/v1/analysis-templates", Template(Names.Unique("t").ToLowerInvariant(), "result < 1"), TestApi.Json);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }
}
