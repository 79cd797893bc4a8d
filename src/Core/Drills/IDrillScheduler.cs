namespace OpsConsole.Core.Drills;

/// <summary>Keeps one recurring job per enabled drill (id <c>drill-{id}</c>, its cron, UTC). Implemented by the host's job server.</summary>
public interface IDrillScheduler
{
    void Schedule(Drill drill);
    void Unschedule(Guid drillId);
}

/// <summary>No job server (Core tests, tools): drills run only when someone runs them.</summary>
public sealed class NoDrillScheduler : IDrillScheduler
{
    public void Schedule(Drill drill) { }
    public void Unschedule(Guid drillId) { }
}
