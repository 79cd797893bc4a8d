using Hangfire;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Jobs;

/// <summary>Escalation timers as Hangfire jobs: stored in the job store, so a pending escalation still runs after a restart.</summary>
public sealed class HangfirePageTimer(IBackgroundJobClient jobs) : IPageTimer
{
    public void Schedule(Guid pageId, int step, DateTime dueUtc) =>
        jobs.Schedule<PageEscalationJob>(j => j.EscalateAsync(pageId, step, CancellationToken.None), new DateTimeOffset(DateTime.SpecifyKind(dueUtc, DateTimeKind.Utc)));
}

/// <summary>One escalation step; the step number makes a timer that outlived an acknowledgement do nothing.</summary>
public sealed class PageEscalationJob(IServiceScopeFactory scopes)
{
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Page {0}: escalation step {1}")]
    public async Task EscalateAsync(Guid pageId, int step, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Paging>().EscalateAsync(pageId, step, ct);
    }
}
