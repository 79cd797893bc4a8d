namespace OpsConsole.Core.OnCall;

/// <summary>
/// Calls <see cref="Paging.EscalateAsync"/> for a page at a time, even across restarts (the console
/// uses a persisted job). The step lets a timer that outlived its reason do nothing.
/// </summary>
public interface IPageTimer
{
    void Schedule(Guid pageId, int step, DateTime dueUtc);
}
