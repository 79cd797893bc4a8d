using System.Net;
using System.Net.Http.Json;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.OnCall;

/// <summary>Fresh on-call things for the role matrix to act on, made by the admin through the API (the admin user is the rotation).</summary>
public static class OnCallMatrix
{
    public static object ScheduleBody() => new
    {
        name = Names.Unique("sched"),
        layers = new[] { new { users = new[] { "admin" }, rotationLength = 1, unit = "Days", handoffTime = "09:00", timeZone = "UTC", startDate = "2026-01-01" } },
    };

    public static object PolicyBody(string schedule) => new { name = Names.Unique("policy"), levels = new[] { new { targets = new[] { new { kind = "Schedule", name = schedule } }, delayMinutes = 5 } } };

    public static object OverrideBody() => new { user = "admin", start = DateTime.UtcNow.AddDays(1), end = DateTime.UtcNow.AddDays(2) };

    public static object ReceiverBody() => new { name = Names.Unique("recv"), emails = new[] { "team@example.test" } };

    private static async Task<(Guid Id, string Name)> PostAsync(ConsoleFactory console, string path, object body, HttpStatusCode expected)
    {
        using var admin = console.CreateAdminClient();
        var json = await (await admin.PostAsJsonAsync(path, body, TestApi.Json).EnsureStatusAsync(expected)).ReadJsonAsync();
        return (json.GetProperty("id").GetGuid(), json.GetProperty("name").GetString()!);
    }

    public static async Task<Guid> ScheduleAsync(ConsoleFactory console) => (await PostAsync(console, "/api/v1/oncall/schedules", ScheduleBody(), HttpStatusCode.Created)).Id;

    public static async Task<string> OverridePathAsync(ConsoleFactory console)
    {
        var id = await ScheduleAsync(console);
        using var admin = console.CreateAdminClient();
        var json = await (await admin.PostAsJsonAsync($"/api/v1/oncall/schedules/{id}/overrides", OverrideBody(), TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        return $"/api/v1/oncall/schedules/{id}/overrides/{json.GetProperty("overrides")[0].GetProperty("id").GetGuid()}";
    }

    public static async Task<Guid> PolicyAsync(ConsoleFactory console)
    {
        var schedule = await PostAsync(console, "/api/v1/oncall/schedules", ScheduleBody(), HttpStatusCode.Created);
        return (await PostAsync(console, "/api/v1/oncall/policies", PolicyBody(schedule.Name), HttpStatusCode.OK)).Id;
    }

    public static async Task<Guid> ReceiverAsync(ConsoleFactory console) => (await PostAsync(console, "/api/v1/oncall/receivers", ReceiverBody(), HttpStatusCode.OK)).Id;

    /// <summary>A triggered page of its own (a receiver, policy and schedule each), to acknowledge or read.</summary>
    public static async Task<Guid> PageAsync(ConsoleFactory console)
    {
        var receiver = await OnCallApiTests.SetUpAsync(console, "admin");
        await OnCallApiTests.FireAsync(console, receiver);
        using var admin = console.CreateAdminClient();
        var pages = await (await admin.GetAsync("/api/v1/pages?open=true").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        return pages.EnumerateArray().First(p => p.GetProperty("receiver").GetString() == receiver).GetProperty("id").GetGuid();
    }
}
