using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace OpsConsole.Cli;

/// <summary>
/// <c>ops promote --wait</c>: prints the console's live events for the service and environment (from
/// <c>/hubs/events</c>) and every change of the promotion's status and gates (read from
/// <c>GET /api/v1/promotions/{id}</c> on each event and every few seconds, so a lost connection only
/// slows it down), until the promotion ends or the time is up.
/// </summary>
public sealed class PromotionWatch(OpsApi api, CliContext ctx, string id, string service, string environment)
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _print = new();
    private readonly HashSet<string> _seenEvents = [];

    public async Task<int> RunAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        await using var hub = await ConnectAsync(limit.Token);
        string? lastStatus = null;
        var lastGates = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                var view = (await api.GetAsync($"api/v1/promotions/{Uri.EscapeDataString(id)}", limit.Token)).Body;
                var status = OpsApi.Str(view, "status") ?? "Unknown";
                PrintGates(view, lastGates);
                var message = OpsApi.Str(view, "message");
                if (status != lastStatus)
                {
                    Line($"status: {status}" + (string.IsNullOrWhiteSpace(message) ? "" : $" — {message}"));
                    lastStatus = status;
                }
                var code = status switch
                {
                    "Succeeded" => ExitCodes.Ok,
                    "Rejected" => ExitCodes.Rejected,
                    "Failed" => ExitCodes.Failed,
                    "Cancelled" => ExitCodes.Cancelled,
                    _ => -1,
                };
                if (code >= 0)
                {
                    if (code != ExitCodes.Ok)
                        await ctx.Error.WriteLineAsync($"error: promotion {id} {status.ToLowerInvariant()}: {Reason(view, message)}");
                    else Line($"{service} is promoted to {environment}.");
                    return code;
                }
                try { await _wake.WaitAsync(ctx.PollInterval, limit.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { throw new TimeoutException(); }
            }
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            await ctx.Error.WriteLineAsync($"error: promotion {id} did not finish within {timeout}: last status {lastStatus ?? "unknown"} (it goes on in the console).");
            return ExitCodes.TimedOut;
        }
    }

    /// <summary>Why it ended: the promotion's message, else the failing gates' reasons, else the last rejection comment.</summary>
    internal static string Reason(JsonElement view, string? message)
    {
        if (!string.IsNullOrWhiteSpace(message)) return message;
        if (view.TryGetProperty("gates", out var gates) && gates.ValueKind == JsonValueKind.Array)
        {
            var failing = gates.EnumerateArray().Where(g => g.TryGetProperty("passed", out var p) && p.ValueKind == JsonValueKind.False)
                .Select(g => $"{OpsApi.Str(g, "name")}: {OpsApi.Str(g, "reason")}").ToList();
            if (failing.Count > 0) return string.Join("; ", failing);
        }
        if (view.TryGetProperty("approvals", out var approvals) && approvals.ValueKind == JsonValueKind.Array
            && approvals.EnumerateArray().LastOrDefault(a => OpsApi.Str(a, "decision") == "Rejected") is { ValueKind: JsonValueKind.Object } rejection)
            return $"rejected by {OpsApi.Str(rejection, "by")}: {OpsApi.Str(rejection, "comment")}";
        return "no reason given";
    }

    private void PrintGates(JsonElement view, Dictionary<string, string> last)
    {
        if (!view.TryGetProperty("gates", out var gates) || gates.ValueKind != JsonValueKind.Array) return;
        foreach (var g in gates.EnumerateArray())
        {
            var name = OpsApi.Str(g, "name") ?? "?";
            var passed = g.TryGetProperty("passed", out var p) && p.ValueKind == JsonValueKind.True;
            var text = $"{(passed ? "passed" : "waiting")} — {OpsApi.Str(g, "reason")}";
            if (last.TryGetValue(name, out var before) && before == text) continue;
            last[name] = text;
            Line($"gate {name}: {text}");
        }
    }

    private async Task<HubConnection?> ConnectAsync(CancellationToken ct)
    {
        var token = api.Config.Token;
        var hub = new HubConnectionBuilder()
            .WithUrl(api.Config.Url + "/hubs/events", o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect()
            .Build();
        hub.On<JsonElement>("event", OnEvent);
        try
        {
            await hub.StartAsync(ct);
            await hub.InvokeAsync<string>("Subscribe", $"{service}/{environment}", ct);
            return hub;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await ctx.Error.WriteLineAsync(api.Scrub($"note: live events are not available ({e.GetType().Name}: {e.Message}); following the promotion by polling."));
            await hub.DisposeAsync();
            return null;
        }
    }

    private void OnEvent(JsonElement e)
    {
        var eventId = OpsApi.Str(e, "id");
        if (eventId is null || !_seenEvents.Add(eventId)) return;
        var type = OpsApi.Str(e, "type") ?? "event";
        var data = e.TryGetProperty("data", out var d) ? d : default;
        var promotionId = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("promotionId", out var pid) ? pid.ToString() : null;
        if (promotionId is not null && !string.Equals(promotionId, id, StringComparison.OrdinalIgnoreCase))
        {
            _wake.Release();
            return;
        }
        var version = OpsApi.Str(data, "version");
        var detail = OpsApi.Str(data, "reason") ?? OpsApi.Str(data, "outcome") ?? OpsApi.Str(data, "message") ?? OpsApi.Str(data, "comment");
        Line($"event {type} {OpsApi.Str(e, "subject")}" + (version is null ? "" : $" {version}") + (detail is null ? "" : $": {detail}"));
        _wake.Release();
    }

    private void Line(string text)
    {
        lock (_print) ctx.Out.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {text}");
    }
}
