using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.OnCall;
using OpsConsole.Core.Access;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.Components.OnCall;

public sealed class OnCallPageTests : OnCallComponentContext
{
    [Fact]
    public async Task Shows_who_is_on_call_per_schedule_and_a_two_week_strip_with_overrides()
    {
        var schedule = await SeedAsync();
        var now = DateTime.UtcNow;
        await WithAsync(sp => sp.GetRequiredService<OnCallSchedules>().AddOverrideAsync(Admin, schedule.Id, new OverrideInput("ben", now.AddDays(2), now.AddDays(3))));
        SignIn("vic", Roles.Viewer);
        var cut = RenderPage<OnCallPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=oncall-strip]")));

        var expected = (await WithAsync(sp => sp.GetRequiredService<OnCallSchedules>().WhoIsOnCallAsync())).Single().User;
        Assert.Equal(expected, cut.Find("[data-testid=oncall-user]").TextContent.Trim());
        var segments = cut.FindAll("[data-testid=oncall-segment]");
        Assert.True(segments.Count >= 14, $"a daily rotation over two weeks has at least 14 stretches, got {segments.Count}");
        Assert.Contains(segments, s => s.GetAttribute("data-source") == "override" && s.GetAttribute("data-user") == "ben");
        Assert.Contains("Overrides: ben", cut.Find("[data-testid=oncall-overrides]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=new-schedule]")); // a Viewer does not get the edit button
    }
}

public sealed class ScheduleEditTests : OnCallComponentContext
{
    [Fact]
    public async Task An_Admin_creates_a_schedule_and_a_layer_without_users_is_refused_with_nothing_saved()
    {
        SignIn("ada", Roles.Admin);
        var cut = RenderPage<ScheduleEdit>();
        Type(cut, "schedule-name", "primary");
        Type(cut, "layer-users-0", "  ");
        cut.Find("[data-testid=save-schedule]").Click();
        cut.WaitForAssertion(() => Assert.Contains("no users", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));
        await using (var db = NewDb()) Assert.Empty(await db.OnCallSchedules.ToListAsync());

        Type(cut, "layer-users-0", "ana, ben");
        cut.Find("[data-testid=save-schedule]").Click();
        cut.WaitForAssertion(() => Assert.EndsWith("/oncall/schedules/", new Uri(Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri).AbsolutePath[..^36], StringComparison.Ordinal));
        await using var check = NewDb();
        var saved = await check.OnCallSchedules.SingleAsync();
        Assert.Equal(["ana", "ben"], saved.Layers[0].Users);
    }

    [Fact]
    public async Task An_Admin_adds_an_override_and_a_Viewer_sees_the_schedule_read_only()
    {
        var schedule = await SeedAsync();
        SignIn("ada", Roles.Admin);
        var cut = RenderPage<ScheduleEdit>(p => p.Add(x => x.Id, schedule.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=add-override]")));
        Type(cut, "override-user", "ben");
        Type(cut, "override-start", "2030-01-01 08:00");
        Type(cut, "override-end", "2030-01-01 20:00");
        cut.Find("[data-testid=add-override]").Click();
        cut.WaitForAssertion(() => Assert.Contains("2030-01-01 08:00", cut.Find("[data-testid=overrides]").TextContent, StringComparison.Ordinal));
        var stored = await WithAsync(sp => sp.GetRequiredService<OnCallSchedules>().GetAsync(schedule.Id));
        Assert.Equal("ben", Assert.Single(stored.Overrides).User);

        SignIn("vic", Roles.Viewer);
        var ro = RenderPage<ScheduleEdit>(p => p.Add(x => x.Id, schedule.Id));
        ro.WaitForAssertion(() => Assert.Contains("read-only", ro.Markup, StringComparison.Ordinal));
        Assert.Empty(ro.FindAll("[data-testid=save-schedule]"));
        Assert.Empty(ro.FindAll("[data-testid=add-override]"));
    }
}

public sealed class PoliciesPageTests : OnCallComponentContext
{
    [Fact]
    public async Task An_Admin_writes_levels_as_lines_and_an_unknown_target_is_refused()
    {
        await SeedAsync();
        SignIn("ada", Roles.Admin);
        var cut = RenderPage<PoliciesPage>();
        cut.WaitForAssertion(() => Assert.Contains("standard", cut.Find("[data-testid=policies-table]").TextContent, StringComparison.Ordinal));

        Type(cut, "policy-name", "night");
        Type(cut, "policy-levels", "5: user ana, schedule primary\n10: user ghost");
        cut.Find("[data-testid=save-policy]").Click();
        cut.WaitForAssertion(() => Assert.Contains("user ghost", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));

        Type(cut, "policy-levels", "5: user ana, schedule primary\n10: user ben");
        cut.Find("[data-testid=save-policy]").Click();
        cut.WaitForAssertion(() => Assert.Contains("night", cut.Find("[data-testid=policies-table]").TextContent, StringComparison.Ordinal));
        var stored = (await WithAsync(sp => sp.GetRequiredService<EscalationPolicies>().ListAsync())).Single(p => p.Name == "night");
        Assert.Equal([5, 10], stored.Levels.Select(l => l.DelayMinutes));
        Assert.Equal(EscalationTargetKind.Schedule, stored.Levels[0].Targets[1].Kind);
    }
}

public sealed class ReceiversPageTests : OnCallComponentContext
{
    [Fact]
    public async Task An_Admin_adds_a_webhook_receiver_and_a_Viewer_sees_only_its_host()
    {
        await SeedAsync();
        SignIn("ada", Roles.Admin);
        var cut = RenderPage<ReceiversPage>();
        Type(cut, "receiver-name", "chat");
        Type(cut, "receiver-webhook", "http://169.254.169.254/latest");
        cut.Find("[data-testid=save-receiver]").Click();
        cut.WaitForAssertion(() => Assert.Contains("169.254.169.254", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));

        Type(cut, "receiver-webhook", "https://hooks.example.test/services/T0/B0/SECRETTOKEN");
        cut.Find("[data-testid=save-receiver]").Click();
        cut.WaitForAssertion(() => Assert.Contains("chat", cut.Find("[data-testid=receivers-table]").TextContent, StringComparison.Ordinal));

        SignIn("vic", Roles.Viewer);
        var ro = RenderPage<ReceiversPage>();
        ro.WaitForAssertion(() => Assert.Contains("https://hooks.example.test", ro.Find("[data-testid=receivers-table]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("SECRETTOKEN", ro.Markup, StringComparison.Ordinal);
        Assert.Empty(ro.FindAll("[data-testid=save-receiver]"));
    }
}

public sealed class PagesPageTests : OnCallComponentContext
{
    [Fact]
    public async Task An_OnCall_user_acknowledges_an_open_page_and_a_Viewer_has_no_button()
    {
        await SeedAsync();
        await FireAsync();
        await FireAsync("nobody"); // undeliverable, listed

        SignIn("vic", Roles.Viewer);
        var ro = RenderPage<PagesPage>();
        ro.WaitForAssertion(() => Assert.Contains("Triggered", ro.Find("[data-testid=page-status]").TextContent, StringComparison.Ordinal));
        Assert.Empty(ro.FindAll("[data-testid=ack]"));
        Assert.NotEmpty(ro.FindAll("[data-testid=notifications] tr[data-outcome=Undeliverable]"));

        SignIn("ana", Roles.OnCall);
        var cut = RenderPage<PagesPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=ack]")));
        cut.Find("[data-testid=ack]").Click();
        cut.WaitForAssertion(() =>
        {
            using var check = NewDb();
            Assert.Equal(PageStatus.Acknowledged, check.Pages.AsNoTracking().Single().Status);
        });
        await using var db = NewDb();
        Assert.Equal("ana", (await db.Pages.AsNoTracking().SingleAsync()).AcknowledgedBy);
    }
}
