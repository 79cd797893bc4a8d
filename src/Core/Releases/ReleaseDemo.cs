using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Config;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Releases;

/// <summary>
/// The demo's pipelines on a console that has none yet: for each demo service a catalogue entry,
/// the pipeline dev (deploys by itself) -> staging (checks unit, e2e) -> prod (unit, e2e, 10 minutes
/// of soak in staging, one approval), the weekly prod freeze (Friday 16:00 to Monday 08:00
/// Europe/Berlin), a few releases with test results, and one plain value and one secret per
/// environment. Releases are registered before the pipeline exists, so seeding requests no deployment.
/// </summary>
public static class ReleaseDemo
{
    public const string FreezeName = "Weekend freeze (prod)";

    public static async Task EnsureAsync(IServiceProvider scoped, DateTime now, CancellationToken ct = default)
    {
        var db = scoped.GetRequiredService<OpsDbContext>();
        if (await db.ServiceProfiles.AnyAsync(ct) || await db.PipelineStages.AnyAsync(ct) || await db.Releases.AnyAsync(ct) || await db.FreezeWindows.AnyAsync(ct))
            return;
        var targets = await db.DeployTargets.AsNoTracking().ToListAsync(ct);
        var system = new Actor("demo-seed", new HashSet<string>(Roles.All), "demo-seed");
        var registry = scoped.GetRequiredService<ReleaseRegistry>();
        var catalogue = scoped.GetRequiredService<ServiceCatalogue>();
        var config = scoped.GetRequiredService<ConfigStore>();
        foreach (var service in DemoSeed.Services)
        {
            var environments = targets.Where(t => t.Service == service).Select(t => t.Environment).ToHashSet();
            if (!DemoSeed.Environments.All(environments.Contains)) continue;
            await catalogue.SaveProfileAsync(system, service, new ServiceProfileRequest($"team-{service}", null, []), ct);
            var versions = new[] { ("1.1.0", 3, true), ("1.2.0", 2, true), ("1.3.0", 1, false) };
            foreach (var (version, daysAgo, e2ePasses) in versions)
            {
                var commit = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(service + version)))[..40];
                await registry.RegisterAsync(system, new ReleaseRegistration(service, version, commit, new DateTimeOffset(now.AddDays(-daysAgo), TimeSpan.Zero),
                    null, $"Demo release {version} of {service}."), ct);
                await registry.ReportCheckAsync(system, service, version, "unit", JUnit("unit", 12, 0), ct);
                await registry.ReportCheckAsync(system, service, version, "e2e", JUnit("e2e", 5, e2ePasses ? 0 : 1), ct);
            }
            await catalogue.SavePipelineAsync(system, service,
            [
                new PipelineStageRequest("dev", [], AutoDeploy: true),
                new PipelineStageRequest("staging", ["unit", "e2e"]),
                new PipelineStageRequest("prod", ["unit", "e2e"], SoakMinutes: 10, RequiredApprovals: 1),
            ], ct);
            foreach (var environment in DemoSeed.Environments)
            {
                await config.SetAsync(system, service, environment, "LOG_LEVEL", environment == "prod" ? "info" : "debug", secret: false, ct);
                await config.SetAsync(system, service, environment, "API_KEY", "demo_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), secret: true, ct);
            }
        }
        var freezes = scoped.GetRequiredService<FreezeCalendar>();
        await freezes.CreateAsync(system, new FreezeWindowRequest(FreezeName, null, "prod", "FREQ=WEEKLY;BYDAY=FR", new DateTime(2026, 1, 2, 16, 0, 0), 64 * 60,
            "Europe/Berlin", Reason: "No prod deployments over the weekend."), ct);
    }

    private static ReadOnlyMemory<byte> JUnit(string suite, int tests, int failures)
    {
        var cases = string.Concat(Enumerable.Range(1, tests).Select(i =>
            i <= failures
                ? $"<testcase classname=\"{suite}\" name=\"case{i}\" time=\"0.1\"><failure message=\"expected true\"/></testcase>"
                : $"<testcase classname=\"{suite}\" name=\"case{i}\" time=\"0.1\"/>"));
        return System.Text.Encoding.UTF8.GetBytes($"<testsuites><testsuite name=\"{suite}\">{cases}</testsuite></testsuites>");
    }
}
