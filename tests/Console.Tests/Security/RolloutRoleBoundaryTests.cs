using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// Role boundaries hold through repetition: promoting once per step would add up to promote-full,
/// which only a ReleaseManager may do, so OnCall may not promote or skip past an analysis that runs.
/// </summary>
public sealed class RolloutRoleBoundaryTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    [Fact]
    public async Task OnCall_promoting_or_skipping_again_and_again_through_a_running_analysis_step_is_refused_and_nothing_moves()
    {
        using var admin = factory.CreateAdminClient();
        using var onCall = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.OnCall)).Secret);
        using var releaseManager = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.ReleaseManager)).Secret);

        // An analysis that stays running for the test's length: its first measurement is a minute away.
        var template = Names.Unique("slow").ToLowerInvariant();
        await admin.PostAsJsonAsync("/api/v1/analysis-templates", new
        {
            name = template,
            metrics = new[] { new { name = "errors", source = "IngressErrorRate", interval = "1m", count = 3, successCondition = "result < 0.05" } },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var service = Names.Unique("svc");
        await factory.SeedTargetAsync(service);
        var started = await onCall.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "dev", version = "1.1.0",
            strategy = new { canary = new { steps = new object[] { new { setWeight = 10 }, new { analysis = template }, new { setWeight = 50 }, new { analysis = template }, new { setWeight = 100 } } } },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await started.ReadJsonAsync()).GetProperty("id").GetGuid();

        JsonElement before = default;
        await Wait.UntilAsync(async () =>
        {
            before = await (await onCall.GetAsync($"/api/v1/rollouts/{id}")).ReadJsonAsync();
            return before.GetProperty("currentStepIndex").GetInt32() == 1
                   && before.GetProperty("analysisRuns").EnumerateArray().Any(r => r.GetProperty("phase").GetString() == "Running");
        }, "the rollout to stand on its running analysis step");

        for (var i = 0; i < 5; i++)
        {
            foreach (var action in new[] { "promote", "skip" })
            {
                var refused = await onCall.PostAsync($"/api/v1/rollouts/{id}/{action}", null);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.Contains("ReleaseManager", (await refused.ReadJsonAsync()).GetProperty("detail").GetString());
            }
        }

        var after = await (await onCall.GetAsync($"/api/v1/rollouts/{id}")).ReadJsonAsync();
        Assert.Equal(1, after.GetProperty("currentStepIndex").GetInt32());
        Assert.Equal(before.GetProperty("weights").GetRawText(), after.GetProperty("weights").GetRawText());
        Assert.Equal(before.GetProperty("phase").GetString(), after.GetProperty("phase").GetString());
        Assert.All(after.GetProperty("analysisRuns").EnumerateArray(), r => Assert.Equal("Running", r.GetProperty("phase").GetString()));
        Assert.Equal(0, await factory.WithStoreAsync(db => db.AuditEntries.CountAsync(a => a.Action == "rollout.promote" || a.Action == "rollout.skip")));

        // The same request from a ReleaseManager goes through: the refusal was the role, not the request.
        await releaseManager.PostAsync($"/api/v1/rollouts/{id}/promote", null).EnsureStatusAsync(HttpStatusCode.OK);
        var moved = await (await onCall.GetAsync($"/api/v1/rollouts/{id}")).ReadJsonAsync();
        Assert.True(moved.GetProperty("currentStepIndex").GetInt32() >= 2, "past the analysis step (the reconciler may already stand on the next one)");
    }
}
