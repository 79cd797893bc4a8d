using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Console.Tests.Shared;

/// <summary>
/// A bunit context wired like the console: MudBlazor, an interactive Server renderer, the console's
/// real authorization policies over a chosen signed-in user, and a real SQLite store in a temp file.
/// </summary>
public abstract class ComponentContext : BunitContext, IAsyncLifetime
{
    private readonly string _storePath = Path.Combine(Path.GetTempPath(), $"opsconsole-bunit-{Guid.NewGuid():N}.db");
    private readonly string _connectionString;
    private readonly SignedInUser _user = new();

    // A page loads from its store after the first render; on PostgreSQL, on a 2-core machine shared with
    // other suites, that round trip alone can take longer than bunit's default second. Waits still end
    // as soon as their condition holds: only a failing wait takes this long.
    static ComponentContext() => DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    protected ComponentContext() : this(null) { }

    /// <param name="configure">Adds what the components under test need beyond the shell's services
    /// (e.g. the rollout coordinator over a fake cluster); runs before the service provider is built.</param>
    protected ComponentContext(Action<IServiceCollection>? configure)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();

        // The real policies (Policies.Add), evaluated against the signed-in user's role claims.
        Services.AddAuthorizationCore(Policies.Add);
        // bunit registers stand-ins that ask for its fake authorization; these registrations come later and win.
        Services.AddSingleton<IAuthorizationPolicyProvider, DefaultAuthorizationPolicyProvider>();
        Services.AddTransient<IAuthorizationService, DefaultAuthorizationService>();
        Services.AddCascadingAuthenticationState();
        Services.AddSingleton<AuthenticationStateProvider>(_user);

        _connectionString = TestStores.ConnectionString(_storePath);
        Services.AddDbContextFactory<OpsDbContext>(o => o.UseTestStore(_connectionString));
        Services.AddSingleton(EventSource.ForInstance("bunit"));
        Services.AddSingleton<EventOutbox>();
        Services.AddSingleton(new LiveEvents(NullLogger<LiveEvents>.Instance));

        configure?.Invoke(Services);

        using var db = NewDb();
        if (TestStores.IsPostgres) StoreProvider.MigrateAsync(db).GetAwaiter().GetResult(); // with the guards the console installs
        else db.Database.Migrate();

        // Last: setting the renderer info builds the service provider, after which nothing can be added.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public string StorePath => _storePath;

    /// <summary>The store's connection string: the SQLite file, or this context's PostgreSQL database.</summary>
    public string StoreConnectionString => _connectionString;

    public OpsDbContext NewDb()
    {
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseTestStore(_connectionString);
        return new(options.Options);
    }

    /// <summary>Signs in a user holding these roles (or signs out with none given and no name).</summary>
    public ClaimsPrincipal SignIn(string? name, params string[] roles)
    {
        var claims = new List<Claim>();
        if (name is not null) claims.Add(new Claim(ClaimTypes.Name, name));
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(name is null ? new ClaimsIdentity() : new ClaimsIdentity(claims, "test"));
        _user.Set(principal);
        return principal;
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services are only asynchronously disposable, so the context is disposed asynchronously.</summary>
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        TestStores.Release(_connectionString);
        try { File.Delete(_storePath); } catch (IOException) { }
    }

    private sealed class SignedInUser : AuthenticationStateProvider
    {
        private AuthenticationState _state = new(new ClaimsPrincipal(new ClaimsIdentity()));

        public void Set(ClaimsPrincipal principal)
        {
            _state = new AuthenticationState(principal);
            NotifyAuthenticationStateChanged(Task.FromResult(_state));
        }

        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(_state);
    }
}
