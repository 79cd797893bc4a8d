using System.Collections.Concurrent;
using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Tests.Components.Settings;

/// <summary>
/// The component context plus accounts as the console wires them: ASP.NET Core Identity over the
/// real store (the console's password and lockout rules), the real user directory, API tokens,
/// webhook registry and password sign-in. Webhook deliveries are recorded instead of sent; the
/// egress policy is the default one, which refuses internal addresses.
/// </summary>
public abstract class AccessComponentContext : ComponentContext
{
    public const string Password = "correct-horse-battery";

    protected AccessComponentContext() : base(AddAccess)
    {
        using var scope = Services.CreateScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
            Succeeded(roles.CreateAsync(new IdentityRole(role)).GetAwaiter().GetResult());
    }

    private static void AddAccess(IServiceCollection s)
    {
        s.AddLogging();
        s.AddSingleton(TimeProvider.System);
        s.AddDataProtection().UseEphemeralDataProtectionProvider();
        s.AddIdentity<ConsoleUser, IdentityRole>(o =>
            {
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<OpsConsole.Core.Persistence.OpsDbContext>()
            .AddDefaultTokenProviders();
        s.AddSingleton<WebhookSecrets>();
        s.AddSingleton<RecordingWebhookQueue>();
        s.AddSingleton<IWebhookQueue>(sp => sp.GetRequiredService<RecordingWebhookQueue>());
        s.AddScoped<UserDirectory>();
        s.AddScoped<ApiTokens>();
        s.AddScoped<WebhookRegistry>();
        s.AddSingleton<OidcSwitch>();
        s.AddSingleton(sp => sp.GetRequiredService<OidcSwitch>().Settings);
        s.AddSingleton<SignInRefusals>();
        s.AddScoped<ConsoleSignIn>();
    }

    /// <summary>Creates a local account directly in the store (not through the page under test).</summary>
    public async Task<ConsoleUser> CreateUserAsync(string name, params string[] roles)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var user = new ConsoleUser { UserName = name, LockoutEnabled = true };
        Succeeded(await users.CreateAsync(user, Password));
        Succeeded(await users.AddToRolesAsync(user, roles));
        return user;
    }

    public async Task<T> WithAsync<T>(Func<IServiceProvider, Task<T>> read) where T : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await read(scope.ServiceProvider);
    }

    public Task<UserSummary> StoredUserAsync(string name) =>
        WithAsync(async sp => (await sp.GetRequiredService<UserDirectory>().ListAsync()).Single(u => u.UserName == name));

    public static Actor ActorOf(string name, params string[] roles) => new(name, new HashSet<string>(roles), "bunit");

    /// <summary>Renders a page with the popover provider MudBlazor's inputs need beside it.</summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>() where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        Render<MudPopoverProvider>();
        return Render<TPage>();
    }

    /// <summary>Types into a MudBlazor text field found by its data-testid (the attribute lands on the input).</summary>
    protected static void Type<TPage>(IRenderedComponent<TPage> cut, string testId, string value) where TPage : Microsoft.AspNetCore.Components.IComponent =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input").Change(value);

    private static void Succeeded(IdentityResult result) =>
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));

    /// <summary>The OIDC settings the sign-in page sees; set before rendering.</summary>
    public sealed class OidcSwitch
    {
        public OidcSettings Settings { get; set; } = OidcSettings.From(new ConfigurationBuilder().Build());

        public void TurnOn() => Settings = OidcSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authentication:Oidc:Enabled"] = "true",
            ["Authentication:Oidc:Authority"] = "https://login.example.com/realm",
            ["Authentication:Oidc:ClientId"] = "opsconsole",
        }).Build());
    }

    /// <summary>Records the deliveries the registry asks to send now.</summary>
    public sealed class RecordingWebhookQueue : IWebhookQueue
    {
        public ConcurrentQueue<Guid> Now { get; } = new();

        public void DeliverNow(Guid deliveryId) => Now.Enqueue(deliveryId);

        public void DeliverAt(Guid deliveryId, DateTime whenUtc) { }
    }
}
