using OpsConsole.Console.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.OnCall;

/// <summary>An escalation timer is a persisted job: a console that restarts on the same data still escalates.</summary>
public sealed class EscalationRestartTests
{
    [Fact]
    public async Task A_pending_escalation_runs_on_the_next_host_after_a_restart()
    {
        var data = Path.Combine(Path.GetTempPath(), "opsconsole-tests", "oncall-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            Guid pageId;
            await using (var first = new OnCallConsoleFactory(data, jobServer: false))
            {
                // This host's clock runs 58 s behind, so the 1-minute escalation is due 2 s from now in real time,
                // and it has no job server: the job can only run on the next host.
                first.Clock.Offset = TimeSpan.FromSeconds(-58);
                var ana = await OnCallApiTests.UserAsync(first, "OnCall");
                var receiver = await OnCallApiTests.SetUpAsync(first, ana, delayMinutes: 1);
                await OnCallApiTests.FireAsync(first, receiver);
                var page = await first.WithStoreAsync(db => db.Pages.SingleAsync());
                Assert.Equal(0, page.Level);
                pageId = page.Id;
                await Task.Delay(TimeSpan.FromSeconds(3)); // past due: still nothing, no server here
                Assert.Equal(0, (await first.WithStoreAsync(db => db.Pages.SingleAsync())).Level);
            }

            await using var second = new OnCallConsoleFactory(data, jobServer: true);
            _ = second.Services; // start the host and its job server
            await Wait.UntilAsync(async () => (await second.WithStoreAsync(db => db.Pages.SingleAsync(p => p.Id == pageId))).Level == 1,
                "the escalation to level 2 on the restarted host", TimeSpan.FromSeconds(30));
            var events = await second.WithStoreAsync(db => db.OutboxEvents.Where(e => e.Type == "page.escalated").CountAsync());
            Assert.Equal(1, events);
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }
}
