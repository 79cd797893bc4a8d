using System.Net;
using System.Net.Http.Json;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.GameDays;

/// <summary>Game days the role matrix and the API tests act on, made by the admin.</summary>
public static class GameDaysMatrix
{
    /// <summary>A plan over one service/environment: a 50% error fault at once for a minute, an abort condition, a steady-state SLI.</summary>
    public static object Plan(string scope = "matrix/dev", string abort = "error_ratio > 0.9", bool allowProd = false, string? title = null) => new
    {
        title = title ?? Names.Unique("Game day"),
        objective = "Does the error-rate alert page the on-call engineer?",
        scope = new[] { scope },
        participants = new[] { "paul" },
        observers = new[] { "olive" },
        hypothesis = "The alert pages within two minutes and the error ratio stays under the abort limit.",
        steadyState = new[] { "error_ratio < 0.01" },
        faults = new[] { new { type = "ErrorRate", target = scope, magnitude = 0.5, startSeconds = 0, durationSeconds = 60 } },
        blastRadius = "one service in one environment",
        abortConditions = new[] { abort },
        allowProd,
    };

    public static async Task<long> PlannedAsync(HttpClient caller, object? plan = null)
    {
        var response = await caller.PostAsJsonAsync("/api/v1/gamedays", plan ?? Plan(), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetInt64();
    }

    public static async Task<long> StartedAsync(HttpClient caller)
    {
        var id = await PlannedAsync(caller);
        await caller.PostAsync($"/api/v1/gamedays/{id}/start", null).EnsureStatusAsync(HttpStatusCode.OK);
        return id;
    }

    public static async Task<long> FinishedAsync(HttpClient caller)
    {
        var id = await StartedAsync(caller);
        await caller.PostAsync($"/api/v1/gamedays/{id}/complete", null).EnsureStatusAsync(HttpStatusCode.OK);
        return id;
    }

    public static async Task<long> PlannedAsync(ConsoleFactory f) { using var admin = f.CreateAdminClient(); return await PlannedAsync(admin); }
    public static async Task<long> StartedAsync(ConsoleFactory f) { using var admin = f.CreateAdminClient(); return await StartedAsync(admin); }
    public static async Task<long> FinishedAsync(ConsoleFactory f) { using var admin = f.CreateAdminClient(); return await FinishedAsync(admin); }
}
