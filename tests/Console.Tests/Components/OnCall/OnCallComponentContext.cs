using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.Components.OnCall;

/// <summary>The component context with the real on-call services over the store; timers and messages are recorded, not sent.</summary>
public abstract class OnCallComponentContext : ComponentContext
{
    public static readonly Actor Admin = new("ada", new HashSet<string>(Roles.All), "bunit");

    protected OnCallComponentContext() : base(Add)
    {
        using var scope = Services.CreateScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All) roles.CreateAsync(new IdentityRole(role)).GetAwaiter().GetResult();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        foreach (var (name, role) in new[] { ("ana", Roles.OnCall), ("ben", Roles.OnCall) })
        {
            var user = new ConsoleUser { UserName = name, Email = $"{name}@example.test", LockoutEnabled = true };
            users.CreateAsync(user, "a-long-password-1").GetAwaiter().GetResult();
            users.AddToRoleAsync(user, role).GetAwaiter().GetResult();
        }
    }

    private static void Add(IServiceCollection s)
    {
        s.AddLogging();
        s.AddSingleton(TimeProvider.System);
        s.AddDataProtection().UseEphemeralDataProtectionProvider();
        s.AddIdentityCore<ConsoleUser>(o => o.Password.RequireNonAlphanumeric = o.Password.RequireUppercase = o.Password.RequireDigit = false)
            .AddRoles<IdentityRole>().AddEntityFrameworkStores<OpsConsole.Core.Persistence.OpsDbContext>();
        s.AddOnCall(new OnCallOptions { PublicUrl = "https://console.test" });
        s.AddSingleton<IPageTimer, NoTimer>();
        s.AddSingleton<IOnCallMessenger, NoMessenger>();
    }

    private bool _popovers;

    /// <summary>Renders a page (again, e.g. as another user) with MudBlazor's popover provider beside it, rendered once per context.</summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>(Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null) where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        if (!_popovers) Render<MudPopoverProvider>();
        _popovers = true;
        return parameters is null ? Render<TPage>() : Render(parameters);
    }

    protected static void Type<TPage>(IRenderedComponent<TPage> cut, string testId, string value) where TPage : Microsoft.AspNetCore.Components.IComponent =>
        cut.Find($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").Change(value);

    public async Task<T> WithAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    /// <summary>A schedule "primary" (ana, then ben, daily at 09:00 Berlin), a policy paging it, a receiver "team" using the policy.</summary>
    public async Task<ScheduleView> SeedAsync()
    {
        var schedule = await WithAsync(sp => sp.GetRequiredService<OnCallSchedules>().CreateAsync(Admin, new ScheduleInput("primary", "", [
            new RotationLayer { Users = ["ana", "ben"], RotationLength = 1, HandoffTime = "09:00", TimeZone = "Europe/Berlin", StartDate = "2026-01-01" }])));
        await WithAsync(sp => sp.GetRequiredService<EscalationPolicies>().SaveAsync(Admin, null, new PolicyInput("standard",
            [new EscalationLevel([new EscalationTarget(EscalationTargetKind.Schedule, "primary")], 5)], 0)));
        await WithAsync(sp => sp.GetRequiredService<ReceiverRegistry>().SaveAsync(Admin, null, new ReceiverInput("team", "standard", null, null, null)));
        return schedule;
    }

    public Task FireAsync(string receiver = "team") => WithAsync(async sp =>
    {
        await sp.GetRequiredService<Paging>().NotifyAsync(new AlertNotification(receiver, "g1", new Dictionary<string, string>(),
            [new AlertSnapshot("fp1", new Dictionary<string, string> { ["alertname"] = "HighErrorRate" }, new Dictionary<string, string>(), AlertStatus.Firing, DateTime.UtcNow, null, null)]));
        return 0;
    });

    private sealed class NoTimer : IPageTimer
    {
        public void Schedule(Guid pageId, int step, DateTime dueUtc) { }
    }

    private sealed class NoMessenger : IOnCallMessenger
    {
        public Task<DeliveryResult> PostWebhookAsync(string url, SlackMessage message, CancellationToken ct) => Task.FromResult(new DeliveryResult(true, "200"));
        public Task<DeliveryResult> SendEmailAsync(IReadOnlyList<string> to, string subject, string body, CancellationToken ct) => Task.FromResult(new DeliveryResult(true, "250"));
    }
}
