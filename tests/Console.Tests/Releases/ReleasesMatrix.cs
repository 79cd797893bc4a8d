using System.Net;
using System.Net.Http.Json;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Releases;

/// <summary>Things the role matrix's release, pipeline, freeze and config routes act on, made by the admin.</summary>
public static class ReleasesMatrix
{
    public const string Service = "matrix";

    public static string Fresh(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..10]}";

    public static object Registration(string version) => new
    {
        service = Service, version, commit = "abcdef1234", commitTime = "2026-11-27T10:00:00Z", buildUrl = "https://ci.example.test/1", changelog = "matrix",
    };

    public static byte[] JUnit => "<testsuite><testcase name=\"a\"/></testsuite>"u8.ToArray();

    /// <summary>A release registered by the admin; returns its version.</summary>
    public static async Task<string> ReleaseAsync(ConsoleFactory factory)
    {
        using var admin = factory.CreateAdminClient();
        var version = Fresh("m");
        await admin.PostAsJsonAsync("/api/v1/releases", Registration(version), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return version;
    }

    public static async Task<string> ProfileAsync(ConsoleFactory factory)
    {
        using var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync($"/api/v1/services/{Service}/profile", new { owner = "matrix-team" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        return Service;
    }

    public static object Freeze() => new { name = Fresh("freeze-"), environment = "dev", rrule = "FREQ=WEEKLY;BYDAY=FR", start = "2026-01-02T16:00:00", durationMinutes = 60, timeZone = "UTC" };

    /// <summary>A freeze window created by the admin; returns its id.</summary>
    public static async Task<Guid> FreezeAsync(ConsoleFactory factory)
    {
        using var admin = factory.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/freezes", Freeze(), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await created.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    /// <summary>A config key set by the admin on matrix/dev; returns its name.</summary>
    public static async Task<string> ConfigKeyAsync(ConsoleFactory factory)
    {
        using var admin = factory.CreateAdminClient();
        var key = Fresh("KEY_").ToUpperInvariant();
        await admin.PutAsJsonAsync($"/api/v1/config/{Service}/dev/{key}", new { value = "v" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        return key;
    }
}
