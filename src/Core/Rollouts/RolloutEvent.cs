namespace OpsConsole.Core.Rollouts;

/// <summary>A domain event a tick produced; the caller writes it to the outbox with the tick's changes.</summary>
public sealed record RolloutEvent(string Type, object Data);

/// <summary>What every event of a drill's rollout carries beside its own data.</summary>
public static class RolloutEventData
{
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The data as is, or, for a rollout a drill started, with <c>"drill": true</c> and the drill run's id added.</summary>
    public static object For(Rollout rollout, object data)
    {
        if (rollout.DrillRunId is not { } runId) return data;
        var node = System.Text.Json.JsonSerializer.SerializeToNode(data, Web) as System.Text.Json.Nodes.JsonObject ?? [];
        node["drill"] = true;
        node["drillRunId"] = runId.ToString();
        return node;
    }
}
